/* Small helpers every module shares: bounded copies, control-byte and UTF-8
 * checks, FNV-1a hashing, path normalisation, node names, lines, arrays. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy src into dst[size], refusing rather than truncating: a cut path or
 * device name would name something else. Returns 0 or -ENAMETOOLONG (dst
 * is then left as it was). */
int fr_copy(char *dst, size_t size, const char *src);
/* Copy what fits of src into dst[size] (size > 0), always NUL-terminated:
 * for text that is only shown, where a cut value is still worth reading. */
void fr_copy_cut(char *dst, size_t size, const char *src);

/* The tables' allocated strings (probe values, by-id names, ...) are NULL
 * when empty, never "": no allocation for what most devices lack, and a
 * zeroed entry holds only empty strings. fr_str() reads one. */
static inline const char *fr_str(const char *s)
{
    return s ? s : "";
}
/* Replace the allocated string *dst (or NULL) by a copy of src, NULL for ""
 * or NULL. Returns 0 or -ENOMEM (*dst is then NULL). */
int fr_str_set(char **dst, const char *src);

/* true when s holds a C0 control byte (below 0x20) or DEL. */
bool fr_has_control(const char *s);

/* Length of the valid UTF-8 sequence at s (at most n bytes are looked at),
 * or 0 when it is invalid: stray continuation bytes, overlong forms,
 * surrogates and code points above U+10FFFF are rejected (RFC 3629). */
size_t fr_utf8_len(const unsigned char *s, size_t n);
/* As fr_utf8_len, but 0 also for a control character: C0 (below 0x20),
 * DEL and C1 (U+0080..U+009F). What is left is printable text. */
size_t fr_utf8_text_len(const unsigned char *s, size_t n);

/* 64-bit FNV-1a of a string: hash tables and "said once" sets. */
uint64_t fr_hash(const char *s);

/* Append the relative path in to out, which already holds keep bytes (a
 * prefix, possibly empty), resolving it lexically: empty and "."
 * components dropped, ".." removes the last component appended. Each
 * component goes in as "/NAME", so a prefix "" gives "/a/b". Returns 0,
 * -EXDEV when ".." would climb into the prefix, -ENAMETOOLONG. */
int fr_path_normalize(char *out, size_t size, size_t keep, const char *in);

/* One path component of length n: not empty, not "." or "..", no '/',
 * at most NAME_MAX bytes (sysfs names, link leaves, node components). */
bool fr_name_valid_n(const char *s, size_t n);
bool fr_name_valid(const char *s);
/* A relative path of such components, without control bytes, no leading
 * or trailing '/': a node name to join to /dev ("vda1", "cciss/c0d0"). */
bool fr_relpath_valid(const char *s);

/* The next line of the text at *cursor, NUL-terminated in place (the '\n'
 * replaced), advancing *cursor past it; NULL at the end of the text (a
 * last '\n' ends no empty line). for (char *c = text, *l; (l = fr_line_next(&c));) */
char *fr_line_next(char **cursor);

/* Room for element n of the array *(T **)arrayp holding *cap elements of
 * elem bytes: when n == *cap it is doubled (first, when empty). Returns 0
 * or -ENOMEM (the array is then unchanged). */
int fr_grow(void *arrayp, size_t *cap, size_t n, size_t elem, size_t first);
