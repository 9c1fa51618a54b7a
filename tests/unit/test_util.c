/* Unit tests for the shared helpers (src/util.c): bounded copy, control
 * bytes, UTF-8, FNV-1a, path normalisation, node names, lines, arrays. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util.h"

static void test_copy(void)
{
    char b[4] = "old";

    CHECK_INT(fr_copy(b, sizeof b, "abc"), 0);
    CHECK_STR(b, "abc");
    CHECK_INT(fr_copy(b, sizeof b, "abcd"), -ENAMETOOLONG);
    CHECK_STR(b, "abc"); /* untouched, not truncated */
    CHECK_INT(fr_copy(b, sizeof b, ""), 0);
    CHECK_STR(b, "");
    /* the cutting copy keeps what fits */
    fr_copy_cut(b, sizeof b, "abcd");
    CHECK_STR(b, "abc");
    fr_copy_cut(b, sizeof b, "x");
    CHECK_STR(b, "x");
    fr_copy_cut(b, 1, "abc");
    CHECK_STR(b, "");
}

static void test_str(void)
{
    char *s = NULL;

    CHECK_STR(fr_str(NULL), "");
    CHECK_STR(fr_str("x"), "x");
    CHECK_INT(fr_str_set(&s, "abc"), 0);
    CHECK_STR(s, "abc");
    CHECK_INT(fr_str_set(&s, "a longer one, replacing it"), 0);
    CHECK_STR(s, "a longer one, replacing it");
    CHECK_INT(fr_str_set(&s, ""), 0); /* empty: freed, no allocation */
    CHECK(s == NULL);
    CHECK_INT(fr_str_set(&s, "x"), 0);
    CHECK_INT(fr_str_set(&s, NULL), 0);
    CHECK(s == NULL);
}

static void test_control(void)
{
    CHECK(!fr_has_control("plain text, UTF-8 \xc3\xa9"));
    CHECK(fr_has_control("tab\there"));
    CHECK(fr_has_control("del\x7f"));
    CHECK(fr_has_control("\x1b[2J"));
    CHECK(!fr_has_control(""));
}

static void test_utf8(void)
{
    const unsigned char *u = (const unsigned char *)"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";

    CHECK_INT(fr_utf8_len(u, 9), 2);
    CHECK_INT(fr_utf8_len(u + 2, 7), 3);
    CHECK_INT(fr_utf8_len(u + 5, 4), 4);
    CHECK_INT(fr_utf8_len(u + 5, 3), 0);                                      /* cut short */
    CHECK_INT(fr_utf8_len((const unsigned char *)"\x80", 1), 0);              /* stray */
    CHECK_INT(fr_utf8_len((const unsigned char *)"\xc0\xaf", 2), 0);          /* overlong */
    CHECK_INT(fr_utf8_len((const unsigned char *)"\xed\xa0\x80", 3), 0);      /* surrogate */
    CHECK_INT(fr_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);  /* > U+10FFFF */
    CHECK_INT(fr_utf8_text_len((const unsigned char *)"\x01", 1), 0);
    CHECK_INT(fr_utf8_text_len((const unsigned char *)"\xc2\x85", 2), 0);     /* C1 */
    CHECK_INT(fr_utf8_text_len((const unsigned char *)"\xc2\xa0", 2), 2);
    CHECK_INT(fr_utf8_text_len((const unsigned char *)"a", 1), 1);
}

static void test_hash(void)
{
    /* FNV-1a 64 reference values. */
    CHECK(fr_hash("") == 0xcbf29ce484222325ULL);
    CHECK(fr_hash("a") == 0xaf63dc4c8601ec8cULL);
    CHECK(fr_hash("foobar") == 0x85944171f73967e8ULL);
}

static void test_normalize(void)
{
    char b[32];

    memcpy(b, "/sys", 4);
    CHECK_INT(fr_path_normalize(b, sizeof b, 4, "class/block/../block/./vda//"), 0);
    CHECK_STR(b, "/sys/class/block/vda");
    memcpy(b, "/sys", 4);
    CHECK_INT(fr_path_normalize(b, sizeof b, 4, "devices/../.."), -EXDEV);
    CHECK_INT(fr_path_normalize(b, sizeof b, 0, "a/b/../../c"), 0);
    CHECK_STR(b, "/c");
    CHECK_INT(fr_path_normalize(b, sizeof b, 0, "a/.."), 0);
    CHECK_STR(b, "");
    CHECK_INT(fr_path_normalize(b, sizeof b, 0, ".."), -EXDEV);
    CHECK_INT(fr_path_normalize(b, sizeof b, 0, "0123456789/0123456789/0123456789"), -ENAMETOOLONG);
    CHECK_INT(fr_path_normalize(b, 4, 4, "a"), -ENAMETOOLONG);
}

static void test_names(void)
{
    static const struct {
        const char *s;
        bool name, relpath;
    } cases[] = {
        {"vda1", true, true},      {"...", true, true},      {"", false, false},
        {".", false, false},       {"..", false, false},     {"cciss/c0d0", false, true},
        {"/vda", false, false},    {"a//b", false, false},   {"a/", false, false},
        {"a/../b", false, false},  {"./a", false, false},    {"a\nb", true, false},
    };
    char longname[NAME_MAX + 2];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_INT(fr_name_valid(cases[i].s), cases[i].name);
        CHECK_INT(fr_relpath_valid(cases[i].s), cases[i].relpath);
    }
    memset(longname, 'x', sizeof longname - 1);
    longname[NAME_MAX] = '\0';
    CHECK(fr_name_valid(longname));
    longname[NAME_MAX] = 'x';
    longname[NAME_MAX + 1] = '\0';
    CHECK(!fr_name_valid(longname));
    CHECK(fr_name_valid_n("vda1/x", 4));
}

static void test_lines(void)
{
    char text[] = "one\ntwo\n\nafter the empty line\n";
    char *cur = text, *l;

    CHECK_STR(fr_line_next(&cur), "one");
    CHECK_STR(fr_line_next(&cur), "two");
    CHECK_STR(fr_line_next(&cur), "");
    CHECK_STR(fr_line_next(&cur), "after the empty line");
    CHECK(fr_line_next(&cur) == NULL);

    char last[] = "no newline";
    cur = last;
    CHECK_STR(fr_line_next(&cur), "no newline");
    CHECK(cur == NULL);
    CHECK(fr_line_next(&cur) == NULL);
    cur = NULL;
    l = fr_line_next(&cur);
    CHECK(l == NULL);
}

static void test_grow(void)
{
    int *v = NULL;
    size_t cap = 0, n;

    for (n = 0; n < 100; n++) {
        if (fr_grow(&v, &cap, n, sizeof *v, 4) < 0)
            break;
        v[n] = (int)n;
    }
    CHECK_INT(n, 100);
    CHECK_INT(cap, 128); /* 4, doubled five times */
    CHECK_INT(v[99], 99);
    CHECK_INT(fr_grow(&v, &cap, 100, sizeof *v, 4), 0); /* room left: unchanged */
    CHECK_INT(cap, 128);
    free(v);
}

int main(void)
{
    test_copy();
    test_str();
    test_control();
    test_utf8();
    test_hash();
    test_normalize();
    test_names();
    test_lines();
    test_grow();
    return check_summary("test_util");
}
