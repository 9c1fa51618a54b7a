/* Unit tests for logging: line format on stderr and kmsg, levels, escaping
 * of control bytes, errno handling and the kmsg rate limit. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "log.h"
#include "roots.h"

static char kmsgpath[PATH_MAX];
static char errtext[1 << 17]; /* what the last capture caught on stderr */

/* Route stderr into a file while fn logs; check afterwards, on the real stderr. */
static void capture_end(void)
{
    snprintf(errtext, sizeof(errtext), "%s", fx_capture_end());
}

/* A fresh file standing in for /dev/kmsg. */
static void new_kmsg(void)
{
    fr_path(kmsgpath, sizeof(kmsgpath), fx_top, "kmsg");
    fx_put("kmsg", "");
}

static int count_lines(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_format(void)
{
    int r;

    new_kmsg();
    fr_log_init(FR_LOG_INFO, kmsgpath);
    CHECK_INT(fr_log_level(), FR_LOG_INFO);
    fx_capture_begin();
    log_info("hello %d", 1);
    log_debug("not shown");
    log_warning("two\nlines\x1b[31m");
    errno = EPERM;
    r = log_error_errno(-ENOENT, "open %s", "/x");
    int e = errno;
    log_notice("trailing newline\n");
    fr_log_errno(FR_LOG_WARNING, ENOENT, "via %%m: %m");
    capture_end();

    CHECK_INT(r, -ENOENT);
    CHECK_INT(e, EPERM); /* logging does not clobber errno */
    CHECK_STR(errtext, "findroot: hello 1\n"
                              "findroot: two\\x0alines\\x1b[31m\n"
                              "findroot: open /x: No such file or directory\n"
                              "findroot: trailing newline\n"
                              "findroot: via %m: No such file or directory: No such file or directory\n");
    CHECK_STR(fx_slurp(kmsgpath), "<6>findroot: hello 1\n"
                               "<4>findroot: two\\x0alines\\x1b[31m\n"
                               "<3>findroot: open /x: No such file or directory\n"
                               "<5>findroot: trailing newline\n"
                               "<4>findroot: via %m: No such file or directory: No such file or directory\n");
    fr_log_close();
}

static void test_levels(void)
{
    new_kmsg();
    /* Quiet stderr still sends notices and worse to kmsg. */
    fr_log_init(FR_LOG_ERR, kmsgpath);
    fx_capture_begin();
    log_warning("w");
    log_notice("n");
    log_info("i");
    log_error("e");
    capture_end();
    CHECK_STR(errtext, "findroot: e\n");
    CHECK_STR(fx_slurp(kmsgpath), "<4>findroot: w\n<5>findroot: n\n<3>findroot: e\n");

    /* Out-of-range levels are clamped. */
    fr_log_init(99, NULL);
    CHECK_INT(fr_log_level(), FR_LOG_DEBUG);
    fr_log_init(-5, NULL);
    CHECK_INT(fr_log_level(), FR_LOG_ERR);

    /* A kmsg that cannot be opened is not an error. */
    fr_log_init(FR_LOG_NOTICE, "/nonexistent/kmsg");
    fx_capture_begin();
    log_notice("still here");
    capture_end();
    CHECK_STR(errtext, "findroot: still here\n");
    fr_log_close();
    fr_log_close();
}

static void test_long_and_limit(void)
{
    char *big = malloc(5000);
    const char *k;

    memset(big, 'x', 4999);
    big[4999] = '\0';
    new_kmsg();
    fr_log_init(FR_LOG_NOTICE, kmsgpath);
    fx_capture_begin();
    log_notice("%s", big);
    capture_end();
    k = fx_slurp(kmsgpath);
    CHECK(strlen(k) <= 1000);
    CHECK(strncmp(k, "<5>findroot: xxx", 16) == 0);
    CHECK_INT(count_lines(k), 1);
    CHECK(k[strlen(k) - 1] == '\n');
    CHECK_INT(count_lines(errtext), 1);
    free(big);

    /* The kmsg budget is 100 lines per run (this case's process): the long
     * line and 99 floods, then one note. */
    fx_capture_begin();
    for (int i = 0; i < 300; i++)
        log_warning("flood %d", i);
    capture_end();
    k = fx_slurp(kmsgpath);
    CHECK_INT(count_lines(k), 101);
    CHECK(strstr(k, "too many messages") != NULL);
    CHECK(strstr(k, "flood 98\n") != NULL);
    CHECK(strstr(k, "flood 99") == NULL);
    CHECK_INT(count_lines(errtext), 300); /* stderr is not limited */
    fr_log_close();
}

/* The documented bound: 4 * len + 1 bytes hold any input escaped, even
 * one made only of bytes that need escaping. */
static void test_escape_bound(void)
{
    char in[64], out[4 * sizeof(in) + 1], want[4 * sizeof(in) + 1];
    size_t n;

    for (size_t len = 1; len < sizeof(in); len++) {
        for (size_t i = 0; i < len; i++)
            in[i] = (char)(1 + i % 0x1f);
        in[len] = '\0';
        want[0] = '\0';
        for (size_t i = 0; i < len; i++)
            snprintf(want + 4 * i, 5, "\\x%02x", (unsigned)(unsigned char)in[i]);
        n = fr_log_escape(in, out, 4 * len + 1);
        CHECK_INT(n, 4 * len);
        CHECK_STR(out, want);
    }
    /* Cut before an escape, never inside one. */
    n = fr_log_escape("\x1b\x1b", out, 7);
    CHECK_STR(out, "\\x1b");
    CHECK_INT(n, 4);
    n = fr_log_escape("ab", out, 1);
    CHECK_INT(n, 0);
    CHECK_STR(out, "");
}

/* C1 controls, raw or UTF-8 encoded (a VT takes 0x9b and U+009B as CSI),
 * and invalid UTF-8 are escaped; valid UTF-8 text stays as it is. */
static void test_escape_c1(void)
{
    char out[256];

    fr_log_escape("a\x9b" "2Jb", out, sizeof(out));
    CHECK_STR(out, "a\\x9b2Jb");
    fr_log_escape("L\xc2\x9b" "2J", out, sizeof(out));
    CHECK_STR(out, "L\\xc2\\x9b2J");
    fr_log_escape("\xc2\x80\xc2\x9f\xc2\xa0", out, sizeof(out));
    CHECK_STR(out, "\\xc2\\x80\\xc2\\x9f\xc2\xa0"); /* U+00A0 is no control */
    fr_log_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", out, sizeof(out));
    CHECK_STR(out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    /* invalid: stray continuation, overlong, truncated, surrogate, > U+10FFFF */
    fr_log_escape("\x80|\xc0\xaf|\xe2\x82|\xed\xa0\x80|\xf4\x90\x80\x80|\xff", out, sizeof(out));
    CHECK_STR(out, "\\x80|\\xc0\\xaf|\\xe2\\x82|\\xed\\xa0\\x80|\\xf4\\x90\\x80\\x80|\\xff");
    /* A sequence cut by the buffer is not split: "é" needs 2 bytes + NUL. */
    CHECK_INT(fr_log_escape("\xc3\xa9", out, 2), 0);
    CHECK_INT(fr_log_escape("\xc3\xa9", out, 3), 2);
}

static const struct check_case cases[] = {
    CASE(escape_bound), CASE(escape_c1), CASE(format), CASE(levels), CASE(long_and_limit),
};
CHECK_MAIN("test_log", cases)
