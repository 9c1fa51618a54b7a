/* Unit tests for the kernel command line parser: kernel quoting rules,
 * findroot.* values, and inputs no boot loader should produce. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmdline.h"
#include "log.h"

static int parse(const char *s, struct fr_cmdline *c)
{
    return fr_cmdline_parse(s, strlen(s), c);
}

/* The parameters as one string: KEY, or KEY<VALUE> when it has a value,
 * joined by '|'. */
struct collected {
    int n;
    char text[512];
};

static int collect(const char *key, const char *value, void *data)
{
    struct collected *c = data;
    size_t len = strlen(c->text);

    snprintf(c->text + len, sizeof(c->text) - len, "%s%s%s%s%s", c->n ? "|" : "", key,
             value ? "<" : "", value ? value : "", value ? ">" : "");
    c->n++;
    return 0;
}

static int stop_at_second(const char *key, const char *value, void *data)
{
    int *n = data;

    (void)key;
    (void)value;
    return ++*n == 2 ? 42 : 0;
}

static int count_params(const char *key, const char *value, void *data)
{
    (void)key;
    (void)value;
    ++*(int *)data;
    return 0;
}

static void test_split(void)
{
    static const struct {
        const char *line, *params;
    } lines[] = {
        {"  ro  root=\"LABEL=my disk\"\tquiet\n", "ro|root<LABEL=my disk>|quiet"},
        /* The whole parameter quoted, as the kernel documents it. */
        {"\"key=val with space\" x=\"\"", "key<val with space>|x<>"},
        /* Quotes in the middle group but stay, as in next_arg(). */
        {"a\"b c\"d e", "a\"b c\"d|e"},
        /* '=' at the start does not split (kernel: equals == 0 means none). */
        {"=x a==b", "=x|a<=b>"},
        /* Unbalanced quote: the rest of the line is one parameter. */
        {"root=\"LABEL=a b  c quiet", "root<LABEL=a b  c quiet>"},
        /* Lone quotes: anything, but at least one parameter. */
        {"\" \"\"\" \"", NULL},
    };
    struct collected c;

    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        memset(&c, 0, sizeof(c));
        CHECK_INT(fr_cmdline_foreach(lines[i].line, strlen(lines[i].line), collect, &c), 0);
        if (lines[i].params)
            CHECK_STR(c.text, lines[i].params);
        else
            CHECK(c.n >= 1);
    }

    int n = 0;
    CHECK_INT(fr_cmdline_foreach("a b c d", 7, stop_at_second, &n), 42);
    CHECK_INT(n, 2);

    n = 0;
    CHECK_INT(fr_cmdline_foreach("", 0, count_params, &n), 0);
    CHECK_INT(n, 0);
    CHECK_INT(fr_cmdline_foreach(NULL, 0, count_params, &n), 0);
    CHECK_INT(n, 0);
}

static void test_root(void)
{
    struct fr_cmdline c;

    CHECK_INT(parse("BOOT_IMAGE=/vmlinuz root=UUID=1234-ABCD ro quiet\n", &c), 0);
    CHECK(c.has_root);
    CHECK_STR(c.root, "UUID=1234-ABCD");
    CHECK(!c.rootwait);
    CHECK_INT(c.rootdelay, -1);
    CHECK(c.timeout < 0);
    CHECK(c.modules && c.rescan && c.links && !c.debug && !c.disabled);
    CHECK_INT(c.nwarnings, 0);
    CHECK(fr_cmdline_effective_timeout(&c) == 30.0);

    CHECK_INT(parse("root=/dev/sda1 root=LABEL=second rootwait", &c), 0);
    CHECK_STR(c.root, "LABEL=second");
    CHECK(c.rootwait);

    CHECK_INT(parse("root=\"LABEL=my disk\" ro", &c), 0);
    CHECK_STR(c.root, "LABEL=my disk");
    CHECK_INT(parse("\"root=LABEL=my disk\"", &c), 0);
    CHECK_STR(c.root, "LABEL=my disk");

    /* A later empty root= clears the earlier one. */
    CHECK_INT(parse("root=/dev/vda root=", &c), 0);
    CHECK(!c.has_root);
    CHECK_STR(c.root, "");
    CHECK_INT(parse("root", &c), 0);
    CHECK(!c.has_root);
    CHECK_INT(parse("noroot=/dev/x rootfstype=ext4", &c), 0);
    CHECK(!c.has_root);

    /* Invalid UTF-8 is passed through: it is matched raw. */
    CHECK_INT(parse("root=LABEL=\xff\xfe\xc3", &c), 0);
    CHECK_STR(c.root, "LABEL=\xff\xfe\xc3");
    CHECK_INT(parse("root=LABEL=caf\xc3\xa9\xc2\xa0x", &c), 0);
    CHECK_STR(c.root, "LABEL=caf\xc3\xa9\xc2\xa0x");

    /* A NUL ends the command line, as it ends the kernel's string. */
    const char nul[] = "root=/dev/sda1\0root=/dev/evil";
    CHECK_INT(fr_cmdline_parse(nul, sizeof(nul), &c), 0);
    CHECK_STR(c.root, "/dev/sda1");

    /* len is honoured: no read past it. */
    CHECK_INT(fr_cmdline_parse("root=/dev/sda1XXXX", 14, &c), 0);
    CHECK_STR(c.root, "/dev/sda1");

    CHECK_INT(parse("rootwait=30", &c), 0);
    CHECK(c.rootwait);
}

static void test_values(void)
{
    struct fr_cmdline c;

    CHECK_INT(parse("findroot.timeout=2.5", &c), 0);
    CHECK(c.timeout == 2.5);
    CHECK(fr_cmdline_effective_timeout(&c) == 2.5);
    CHECK_INT(parse("findroot.timeout=.5", &c), 0);
    CHECK(c.timeout == 0.5);
    CHECK_INT(parse("findroot.timeout=86400", &c), 0);
    CHECK(c.timeout == 86400);
    CHECK_INT(parse("findroot.timeout=90 findroot.timeout=bogus", &c), 0);
    CHECK(c.timeout == 90); /* a bad later value keeps the good one */
    CHECK_INT(c.nwarnings, 1);

    static const char *const bad_timeouts[] = {
        "findroot.timeout=0", "findroot.timeout=0.0", "findroot.timeout=-1",
        "findroot.timeout=abc", "findroot.timeout=1e3", "findroot.timeout=inf",
        "findroot.timeout=nan", "findroot.timeout=0x10", "findroot.timeout=86401",
        "findroot.timeout=", "findroot.timeout", "findroot.timeout=1.2.3",
        "findroot.timeout=.", "findroot.timeout= 5", "findroot.timeout=5s",
        "findroot.timeout=99999999999999999999999999999999999999",
    };
    for (size_t i = 0; i < sizeof(bad_timeouts) / sizeof(bad_timeouts[0]); i++) {
        CHECK_INT(parse(bad_timeouts[i], &c), 0);
        CHECK(c.timeout < 0);
        CHECK_INT(c.nwarnings, 1);
    }

    CHECK_INT(parse("rootdelay=10", &c), 0);
    CHECK_INT(c.rootdelay, 10);
    CHECK(fr_cmdline_effective_timeout(&c) == 30.0);
    CHECK_INT(parse("rootdelay=45", &c), 0);
    CHECK(fr_cmdline_effective_timeout(&c) == 45.0);
    CHECK_INT(parse("rootdelay=45 findroot.timeout=7", &c), 0);
    CHECK(fr_cmdline_effective_timeout(&c) == 7.0);
    CHECK_INT(parse("rootdelay=0", &c), 0);
    CHECK_INT(c.rootdelay, 0);
    static const char *const bad_delays[] = {
        "rootdelay=abc", "rootdelay=-5", "rootdelay=", "rootdelay",
        "rootdelay=1.5", "rootdelay=99999999999999999999999", "rootdelay=86401",
    };
    for (size_t i = 0; i < sizeof(bad_delays) / sizeof(bad_delays[0]); i++) {
        CHECK_INT(parse(bad_delays[i], &c), 0);
        CHECK_INT(c.rootdelay, -1);
        CHECK_INT(c.nwarnings, 1);
    }

    CHECK_INT(parse("findroot.modules=0 findroot.rescan=0 findroot.links=0 findroot.debug", &c), 0);
    CHECK(!c.modules && !c.rescan && !c.links && c.debug);
    CHECK_INT(c.nwarnings, 0);
    CHECK_INT(parse("findroot.debug=1 findroot.modules=1 findroot.links=yes", &c), 0);
    CHECK(c.debug && c.modules && c.links);
    CHECK_INT(parse("findroot.debug=0", &c), 0);
    CHECK(!c.debug);
    CHECK_INT(parse("findroot.modules=maybe findroot.links= findroot.rescan=2", &c), 0);
    CHECK(c.modules && c.links && c.rescan);
    CHECK_INT(c.nwarnings, 3);

    CHECK_INT(parse("findroot=0", &c), 0);
    CHECK(c.disabled);
    CHECK_INT(parse("rd.findroot=0", &c), 0);
    CHECK(c.disabled);
    CHECK_INT(parse("rd.findroot=0 rd.findroot=1", &c), 0);
    CHECK(!c.disabled);
    CHECK_INT(parse("findroot", &c), 0);
    CHECK(!c.disabled);
    /* Unknown findroot.* keys are ignored, not warned about. */
    CHECK_INT(parse("findroot.future=1", &c), 0);
    CHECK_INT(c.nwarnings, 0);

    /* A quoted value with a newline inside must still give one warning. */
    CHECK_INT(parse("\"findroot.timeout=1\n2\"", &c), 0);
    CHECK_INT(c.nwarnings, 1);
}

static void test_length(void)
{
    struct fr_cmdline c;
    size_t big = 100 * 1024;
    char *s = malloc(big + 1);

    for (size_t i = 0; i < big; i++)
        s[i] = i % 8 == 7 ? ' ' : 'a';
    memcpy(s, "root=/dev/vda ", 14);
    s[big] = '\0';
    CHECK_INT(fr_cmdline_parse(s, big, &c), -EINVAL);
    CHECK(!c.has_root);
    CHECK(c.modules); /* defaults filled even on failure */

    int n = 0;
    CHECK_INT(fr_cmdline_foreach(s, big, count_params, &n), 0);
    CHECK_INT(n, (int)(big / 8));

    /* The longest accepted line, plus the trailing newline /proc adds. */
    memset(s, 'x', FR_CMDLINE_MAX);
    memcpy(s, "root=", 5);
    s[FR_CMDLINE_MAX - 1] = '\n';
    CHECK_INT(fr_cmdline_parse(s, FR_CMDLINE_MAX, &c), 0);
    CHECK(c.has_root);
    CHECK_INT(strlen(c.root), FR_CMDLINE_MAX - 1 - 5);
    s[FR_CMDLINE_MAX - 1] = 'x';
    CHECK_INT(fr_cmdline_parse(s, FR_CMDLINE_MAX, &c), -EINVAL);

    /* An unbalanced quote on a huge line must not walk off the end. */
    memset(s, ' ', big);
    s[big / 2] = '"';
    CHECK_INT(fr_cmdline_foreach(s, big, count_params, &(int){0}), 0);
    free(s);
}

static unsigned rnd_state = 12345;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

static void test_fuzz(void)
{
    static const char alphabet[] = " \t\n\"=\"=.0123456789abrotdelaywifn";
    static const char *const words[] = {
        "root=", "findroot.timeout=", "rootdelay=", "findroot.debug", "findroot.modules=",
        "rd.findroot=", "\"", " ", "=", "LABEL=", "1.5", "0", "\n", "rootwait",
    };
    char buf[600];
    struct fr_cmdline c;
    int bad = 0;

    for (int iter = 0; iter < 20000; iter++) {
        size_t len = rnd() % sizeof(buf);
        size_t i = 0;
        while (i < len) {
            unsigned mode = rnd() % 4;
            if (mode == 0) {
                buf[i++] = (char)(rnd() & 0xff);
            } else if (mode == 1) {
                buf[i++] = alphabet[rnd() % (sizeof(alphabet) - 1)];
            } else {
                const char *w = words[rnd() % (sizeof(words) / sizeof(words[0]))];
                for (; *w && i < len; w++)
                    buf[i++] = *w;
            }
        }
        int r = fr_cmdline_parse(buf, len, &c);
        if (r != 0 && r != -EINVAL)
            bad++;
        if (strnlen(c.root, sizeof(c.root)) >= sizeof(c.root))
            bad++;
        if (c.has_root != (c.root[0] != '\0'))
            bad++;
        if (c.timeout != -1 && !(c.timeout > 0 && c.timeout <= 86400))
            bad++;
        if (c.rootdelay < -1 || c.rootdelay > 86400 || c.nwarnings < 0)
            bad++;
    }
    CHECK_INT(bad, 0);
}

/* fr_parse_seconds(), shared with the -t option: decimal digits and at
 * most one point, nothing strtod would add. */
static void test_seconds(void)
{
    static const struct {
        const char *s;
        double want;
    } good[] = {
        {"2", 2}, {"2.5", 2.5}, {".5", 0.5}, {"5.", 5}, {"0", 0}, {"0.0", 0},
        {"86400", 86400}, {"007", 7}, {"1000000000000", 1e12},
    };
    static const char *const bad[] = {
        "", ".", "1.2.3", "0x1p0", "0x10", "1e3", "1E3", "inf", "nan", "-1", "+1", " 5",
        "5 ", "5s", "1,5", "\t5",
    };
    double v;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        v = -1;
        CHECK_INT(fr_parse_seconds(good[i].s, &v), 0);
        CHECK(v == good[i].want);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = -1;
        CHECK_INT(fr_parse_seconds(bad[i], &v), -EINVAL);
        CHECK(v == -1); /* untouched */
    }
    CHECK_INT(fr_parse_seconds(NULL, &v), -EINVAL);
    CHECK_INT(fr_parse_seconds("1000000000001", &v), -ERANGE);
    CHECK_INT(fr_parse_seconds("99999999999999999999999999999999999999", &v), -ERANGE);
    /* Both readers agree: the command line refuses what -t refuses. */
    struct fr_cmdline c;
    CHECK_INT(parse("findroot.timeout=0x1p0", &c), 0);
    CHECK(c.timeout < 0);
}

static const struct check_case cases[] = {
    CASE(split),
    CASE(root),
    CASE(values),
    CASE(length),
    CASE(fuzz),
    CASE(seconds),
};
CHECK_MAIN("test_cmdline", cases)
