/* Kernel command line: any bytes parse without crashing; the values kept
 * are within their documented ranges and NUL-terminated; the iterator sees
 * parameters without surrounding quotes, and root= is the last one seen. */
#include "cmdline.h"
#include "fuzz.h"
#include "log.h"

struct seen {
    int n;
    char last_root[FR_CMDLINE_MAX];
    bool has_root;
};

static int each(const char *key, const char *value, void *data)
{
    struct seen *s = data;
    FUZZ_CHECK(key);
    s->n++;
    if (strcmp(key, "root") == 0) {
        /* the last root= wins; an empty one clears */
        size_t n = value ? strlen(value) : 0;
        s->has_root = n > 0 && n < sizeof(s->last_root);
        snprintf(s->last_root, sizeof(s->last_root), "%s", s->has_root ? value : "");
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    struct fr_cmdline c;
    struct seen s = {0};

    if (!quiet) {
        fr_log_init(FR_LOG_ERR, NULL); /* malformed findroot.* values warn */
        quiet = true;
    }
    int r = fr_cmdline_parse((const char *)data, size, &c);
    if (r < 0)
        return 0;
    FUZZ_CHECK(memchr(c.root, '\0', sizeof(c.root)));
    FUZZ_CHECK(c.rootdelay >= -1);
    FUZZ_CHECK(c.timeout == -1 || (c.timeout > 0 && c.timeout <= 86400));
    FUZZ_CHECK(c.rootdelay <= 86400);
    double t = fr_cmdline_effective_timeout(&c);
    FUZZ_CHECK(t > 0);
    /* What the parser reads: up to a NUL, without trailing blanks. */
    size_t len = strnlen((const char *)data, size);
    while (len && strchr(" \t\n\v\f\r", data[len - 1]))
        len--;
    FUZZ_CHECK(fr_cmdline_foreach((const char *)data, len, each, &s) == 0);
    FUZZ_CHECK(s.has_root == c.has_root);
    if (c.has_root)
        FUZZ_CHECK(strcmp(s.last_root, c.root) == 0);
    return 0;
}
