/* Kernel command line: split it as the kernel's next_arg() does and pick
 * out root=, rootwait, rootdelay= and the findroot.* options; no I/O but
 * the warnings it logs about malformed findroot.* values. */
#include "cmdline.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* A day: anything longer is a typo, and a typo must not mean "hang forever". */
#define TIMEOUT_MAX 86400.0
#define ROOTDELAY_MAX 86400

/* The kernel's isspace() also counts 0xa0 (Latin-1 no-break space); we do
 * not, as 0xa0 is a UTF-8 continuation byte and LABEL=... may be UTF-8. */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* One step of the kernel's next_arg() (kernel/params.c), on a writable
 * NUL-terminated copy: quotes group, a leading quote on the parameter or
 * on the value and the matching trailing one are dropped. */
static char *next_arg(char *args, char **param, char **val)
{
    size_t i, equals = 0;
    bool in_quote = false, quoted = false;

    if (*args == '"') {
        args++;
        in_quote = true;
        quoted = true;
    }
    for (i = 0; args[i]; i++) {
        if (is_space(args[i]) && !in_quote)
            break;
        if (equals == 0 && args[i] == '=')
            equals = i;
        if (args[i] == '"')
            in_quote = !in_quote;
    }

    *param = args;
    if (!equals) {
        *val = NULL;
    } else {
        args[equals] = '\0';
        *val = args + equals + 1;
        if (**val == '"') {
            (*val)++;
            if (args[i - 1] == '"')
                args[i - 1] = '\0';
        }
    }
    if (quoted && i > 0 && args[i - 1] == '"')
        args[i - 1] = '\0';

    if (args[i]) {
        args[i] = '\0';
        args += i + 1;
    } else {
        args += i;
    }
    while (is_space(*args))
        args++;
    return args;
}

/* The kernel's command line is a C string: a NUL ends it. */
static size_t effective_len(const char *text, size_t len)
{
    return text ? strnlen(text, len) : 0;
}

int fr_cmdline_foreach(const char *text, size_t len,
                       int (*fn)(const char *key, const char *value, void *data), void *data)
{
    char *copy, *args;
    int r = 0;

    len = effective_len(text, len);
    if (len == SIZE_MAX)
        return -EINVAL;
    copy = malloc(len + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, text ? text : "", len);
    copy[len] = '\0';

    args = copy;
    while (is_space(*args))
        args++;
    while (*args) {
        char *key, *val;
        args = next_arg(args, &key, &val);
        r = fn(key, val, data);
        if (r != 0)
            break;
    }
    free(copy);
    return r;
}

/* Value fragments in warnings are cut short: a 4 KiB value helps nobody. */
static void warn_value(struct fr_cmdline *c, const char *key, const char *value, const char *why)
{
    c->nwarnings++;
    log_warning("ignoring %s=%.64s%s: %s", key, value ? value : "",
                value && strlen(value) > 64 ? "..." : "", why);
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "y", "yes", "true", "on"};
    static const char *const no[] = {"0", "n", "no", "false", "off"};

    if (!v) { /* bare "findroot.debug" */
        *out = true;
        return 0;
    }
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

/* strtod would also take "inf", "nan", exponents, hex floats, signs,
 * leading blanks and the locale's decimal point. */
int fr_parse_seconds(const char *v, double *out)
{
    double x = 0, scale = 1;
    bool digits = false, dot = false;

    if (!v || !*v)
        return -EINVAL;
    for (const char *p = v; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            digits = true;
            if (dot) {
                scale /= 10;
                x += (*p - '0') * scale;
            } else {
                x = x * 10 + (*p - '0');
                if (x > 1e12)
                    return -ERANGE;
            }
        } else if (*p == '.' && !dot) {
            dot = true;
        } else {
            return -EINVAL;
        }
    }
    if (!digits)
        return -EINVAL;
    *out = x;
    return 0;
}

static int parse_uint(const char *v, long max, long *out)
{
    long x = 0;

    if (!v || !*v)
        return -EINVAL;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        x = x * 10 + (*p - '0');
        if (x > max)
            return -ERANGE;
    }
    *out = x;
    return 0;
}

static void set_bool(struct fr_cmdline *c, const char *key, const char *value, bool *field)
{
    if (parse_bool(value, field) < 0)
        warn_value(c, key, value, "expected 0 or 1");
}

static int handle_param(const char *key, const char *value, void *data)
{
    struct fr_cmdline *c = data;

    if (strcmp(key, "root") == 0) {
        /* Last one wins, as in the kernel; "root=" clears an earlier one. */
        c->has_root = value && value[0] && fr_copy(c->root, sizeof(c->root), value) == 0;
        if (!c->has_root)
            c->root[0] = '\0';
    } else if (strcmp(key, "rootwait") == 0) {
        /* Since 6.4 "rootwait=SEC" also exists; either way: wait. */
        c->rootwait = true;
    } else if (strcmp(key, "rootdelay") == 0) {
        long d;
        int r = parse_uint(value, ROOTDELAY_MAX, &d);
        if (r == -ERANGE)
            warn_value(c, key, value, "more than a day");
        else if (r < 0)
            warn_value(c, key, value, "expected whole seconds");
        else
            c->rootdelay = (int)d;
    } else if (strcmp(key, "findroot.timeout") == 0) {
        double t;
        int r = fr_parse_seconds(value, &t);
        if (r == -ERANGE)
            warn_value(c, key, value, "more than a day");
        else if (r < 0)
            warn_value(c, key, value, "expected seconds, e.g. 60 or 2.5");
        else if (t <= 0)
            warn_value(c, key, value, "must be more than 0");
        else if (t > TIMEOUT_MAX)
            warn_value(c, key, value, "more than a day");
        else
            c->timeout = t;
    } else if (strcmp(key, "findroot.debug") == 0) {
        set_bool(c, key, value, &c->debug);
    } else if (strcmp(key, "findroot.modules") == 0) {
        set_bool(c, key, value, &c->modules);
    } else if (strcmp(key, "findroot.rescan") == 0) {
        set_bool(c, key, value, &c->rescan);
    } else if (strcmp(key, "findroot.links") == 0) {
        set_bool(c, key, value, &c->links);
    } else if (strcmp(key, "findroot") == 0 || strcmp(key, "rd.findroot") == 0) {
        bool on;
        if (parse_bool(value, &on) < 0)
            warn_value(c, key, value, "expected 0 or 1");
        else
            c->disabled = !on;
    }
    return 0;
}

int fr_cmdline_parse(const char *text, size_t len, struct fr_cmdline *out)
{
    memset(out, 0, sizeof(*out));
    out->rootdelay = -1;
    out->timeout = -1;
    out->modules = true;
    out->rescan = true;
    out->links = true;

    len = effective_len(text, len);
    /* /proc/cmdline ends with a newline; it does not count. */
    while (len > 0 && is_space(text[len - 1]))
        len--;
    if (len >= FR_CMDLINE_MAX) {
        log_debug("command line of %zu bytes is longer than %d", len, FR_CMDLINE_MAX - 1);
        return -EINVAL;
    }
    return fr_cmdline_foreach(text, len, handle_param, out);
}

double fr_cmdline_effective_timeout(const struct fr_cmdline *c)
{
    if (c->timeout > 0)
        return c->timeout;
    return c->rootdelay > 30 ? (double)c->rootdelay : 30.0;
}
