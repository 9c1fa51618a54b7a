/* Kernel command line: split as the kernel does (double quotes group,
 * whitespace separates) and pick out the options findroot honours; text in,
 * struct out, no I/O but warnings logged about malformed findroot.* values. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define FR_CMDLINE_MAX 4096

struct fr_cmdline {
    bool has_root;
    char root[FR_CMDLINE_MAX]; /* value of the last root= */
    bool rootwait;
    int rootdelay;     /* seconds, -1 when absent */
    double timeout;    /* findroot.timeout=, -1 when absent */
    bool debug;        /* findroot.debug */
    bool modules;      /* findroot.modules=0 turns off, default true */
    bool rescan;       /* findroot.rescan=0 */
    bool links;        /* findroot.links=0 */
    bool disabled;     /* findroot=0 or rd.findroot=0 */
    int nwarnings;     /* malformed findroot.* values ignored (each logged) */
};

/* Parses text (need not be NUL-terminated beyond len; a NUL inside ends it,
 * as it ends the kernel's string; trailing whitespace is not counted). Unknown parameters
 * are ignored; malformed findroot.* values get a warning and the default.
 * Returns 0, or -EINVAL when text is unusable (e.g. longer than FR_CMDLINE_MAX). */
int fr_cmdline_parse(const char *text, size_t len, struct fr_cmdline *out);

/* Iterate over parameters: calls fn(key, value-or-NULL, data) for each,
 * with quotes removed. Returns fn's first non-zero return, or 0. */
int fr_cmdline_foreach(const char *text, size_t len,
                       int (*fn)(const char *key, const char *value, void *data), void *data);

/* Seconds as plain decimal digits with at most one point ("2", "2.5",
 * ".5", "5."): no sign, exponent, hex, blank, "inf" or "nan". The kernel
 * command line and the -t option both read them so. Returns 0, -EINVAL,
 * or -ERANGE (more than 1e12). The caller checks the range it allows. */
int fr_parse_seconds(const char *v, double *out);

/* The effective wait in seconds: timeout if set, else max(30, rootdelay). */
double fr_cmdline_effective_timeout(const struct fr_cmdline *c);
