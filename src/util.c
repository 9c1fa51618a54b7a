/* The small helpers every module shares, written once and tested in
 * tests/unit/test_util.c. */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int fr_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (n >= size)
        return -ENAMETOOLONG;
    memcpy(dst, src, n + 1);
    return 0;
}

void fr_copy_cut(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

int fr_str_set(char **dst, const char *src)
{
    free(*dst);
    *dst = NULL;
    if (!src || !src[0])
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -ENOMEM;
}

bool fr_has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

size_t fr_utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len, i;

    if (n == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

size_t fr_utf8_text_len(const unsigned char *s, size_t n)
{
    size_t len;

    if (n == 0 || s[0] < 0x20 || s[0] == 0x7f)
        return 0;
    len = fr_utf8_len(s, n);
    /* U+0080..U+009F are "\xc2\x80".."\xc2\x9f". */
    if (len == 2 && s[0] == 0xc2 && s[1] < 0xa0)
        return 0;
    return len;
}

uint64_t fr_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* offset basis */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL; /* FNV prime */
    return h;
}

int fr_path_normalize(char *out, size_t size, size_t keep, const char *in)
{
    size_t len = keep;

    if (keep >= size)
        return -ENAMETOOLONG;
    out[len] = '\0';
    for (const char *c = in; *c;) {
        size_t cl = strcspn(c, "/");
        if (cl == 2 && c[0] == '.' && c[1] == '.') {
            if (len == keep)
                return -EXDEV;
            while (len > keep && out[len - 1] != '/')
                len--;
            out[--len] = '\0'; /* the '/' itself */
        } else if (cl > 0 && !(cl == 1 && c[0] == '.')) {
            if (len + 1 + cl + 1 > size)
                return -ENAMETOOLONG;
            out[len++] = '/';
            memcpy(out + len, c, cl);
            len += cl;
            out[len] = '\0';
        }
        c += cl;
        if (*c == '/')
            c++;
    }
    return 0;
}

bool fr_name_valid_n(const char *s, size_t n)
{
    return n > 0 && n <= NAME_MAX && !(n == 1 && s[0] == '.') &&
           !(n == 2 && s[0] == '.' && s[1] == '.') && !memchr(s, '/', n);
}

bool fr_name_valid(const char *s)
{
    return fr_name_valid_n(s, strlen(s));
}

bool fr_relpath_valid(const char *s)
{
    if (!*s || fr_has_control(s))
        return false;
    for (;;) {
        size_t n = strcspn(s, "/");
        if (!fr_name_valid_n(s, n))
            return false; /* also a leading, doubled or trailing '/' */
        if (!s[n])
            return true;
        s += n + 1;
    }
}

char *fr_line_next(char **cursor)
{
    char *line = *cursor, *nl;

    if (!line || !*line)
        return NULL;
    nl = strchr(line, '\n');
    if (nl)
        *nl++ = '\0';
    *cursor = nl;
    return line;
}

int fr_grow(void *arrayp, size_t *cap, size_t n, size_t elem, size_t first)
{
    void *v;
    size_t nc;

    if (n < *cap)
        return 0;
    nc = *cap ? *cap * 2 : first;
    memcpy(&v, arrayp, sizeof v);
    v = realloc(v, nc * elem);
    if (!v)
        return -ENOMEM;
    memcpy(arrayp, &v, sizeof v);
    *cap = nc;
    return 0;
}
