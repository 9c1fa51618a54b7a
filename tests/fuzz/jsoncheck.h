/* A strict RFC 8259 checker for the JSON fuzz target: one value with
 * optional whitespace around it, UTF-8 text, no raw control characters in
 * strings, only the escapes the RFC lists, \u surrogates only in pairs,
 * numbers in the RFC's grammar. Strings can be decoded for comparison. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

struct jc {
    const unsigned char *s;
    size_t n, i;
    int depth;
    /* jc_string() decodes into this when set */
    unsigned char *out;
    size_t outlen, outcap;
};

static void jc_ws(struct jc *c)
{
    while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' ||
                           c->s[c->i] == '\r'))
        c->i++;
}

static int jc_hex4(struct jc *c, uint32_t *v)
{
    *v = 0;
    if (c->i + 4 > c->n)
        return -1;
    for (int k = 0; k < 4; k++) {
        unsigned char h = c->s[c->i++];
        *v <<= 4;
        if (h >= '0' && h <= '9')
            *v |= h - '0';
        else if (h >= 'a' && h <= 'f')
            *v |= h - 'a' + 10;
        else if (h >= 'A' && h <= 'F')
            *v |= h - 'A' + 10;
        else
            return -1;
    }
    return 0;
}

static void jc_put(struct jc *c, const unsigned char *b, size_t len)
{
    if (!c->out)
        return;
    for (size_t k = 0; k < len && c->outlen < c->outcap; k++)
        c->out[c->outlen++] = b[k];
}

static void jc_put_cp(struct jc *c, uint32_t cp)
{
    unsigned char b[4];
    size_t len;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        len = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        len = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        len = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (unsigned char)(0x80 | (cp & 0x3f));
        len = 4;
    }
    jc_put(c, b, len);
}

static int jc_string(struct jc *c)
{
    if (c->i >= c->n || c->s[c->i] != '"')
        return -1;
    c->i++;
    while (c->i < c->n) {
        unsigned char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            return 0;
        }
        if (ch < 0x20)
            return -1;
        if (ch == '\\') {
            if (++c->i >= c->n)
                return -1;
            unsigned char e = c->s[c->i++];
            const char *simple = "\"\\/bfnrt", *val = "\"\\/\b\f\n\r\t";
            const char *k = strchr(simple, e);
            if (e && k) {
                unsigned char v = (unsigned char)val[k - simple];
                jc_put(c, &v, 1);
                continue;
            }
            if (e != 'u')
                return -1;
            uint32_t cp, lo;
            if (jc_hex4(c, &cp) < 0)
                return -1;
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return -1; /* a lone low surrogate */
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (c->i + 2 > c->n || c->s[c->i] != '\\' || c->s[c->i + 1] != 'u')
                    return -1;
                c->i += 2;
                if (jc_hex4(c, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                    return -1;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            jc_put_cp(c, cp);
            continue;
        }
        size_t len = fr_utf8_len(c->s + c->i, c->n - c->i);
        if (len == 0)
            return -1;
        jc_put(c, c->s + c->i, len);
        c->i += len;
    }
    return -1;
}

static bool jc_digit(struct jc *c)
{
    return c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9';
}

static int jc_number(struct jc *c)
{
    if (c->i < c->n && c->s[c->i] == '-')
        c->i++;
    if (!jc_digit(c))
        return -1;
    if (c->s[c->i] == '0')
        c->i++;
    else
        while (jc_digit(c))
            c->i++;
    if (c->i < c->n && c->s[c->i] == '.') {
        c->i++;
        if (!jc_digit(c))
            return -1;
        while (jc_digit(c))
            c->i++;
    }
    if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
        c->i++;
        if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-'))
            c->i++;
        if (!jc_digit(c))
            return -1;
        while (jc_digit(c))
            c->i++;
    }
    return 0;
}

static int jc_literal(struct jc *c, const char *w)
{
    size_t l = strlen(w);
    if (c->i + l > c->n || memcmp(c->s + c->i, w, l) != 0)
        return -1;
    c->i += l;
    return 0;
}

static int jc_value(struct jc *c)
{
    jc_ws(c);
    if (c->i >= c->n)
        return -1;
    unsigned char ch = c->s[c->i];
    if (ch == '{' || ch == '[') {
        unsigned char close = ch == '{' ? '}' : ']';
        if (++c->depth > 512)
            return -1;
        c->i++;
        jc_ws(c);
        if (c->i < c->n && c->s[c->i] == close) {
            c->i++;
            c->depth--;
            return 0;
        }
        for (;;) {
            if (ch == '{') {
                unsigned char *save = c->out;
                jc_ws(c);
                c->out = NULL; /* keys are not decoded */
                int r = jc_string(c);
                c->out = save;
                if (r < 0)
                    return -1;
                jc_ws(c);
                if (c->i >= c->n || c->s[c->i] != ':')
                    return -1;
                c->i++;
            }
            if (jc_value(c) < 0)
                return -1;
            jc_ws(c);
            if (c->i >= c->n)
                return -1;
            if (c->s[c->i] == ',') {
                c->i++;
                continue;
            }
            if (c->s[c->i] != close)
                return -1;
            c->i++;
            c->depth--;
            return 0;
        }
    }
    if (ch == '"')
        return jc_string(c);
    if (ch == 't')
        return jc_literal(c, "true");
    if (ch == 'f')
        return jc_literal(c, "false");
    if (ch == 'n')
        return jc_literal(c, "null");
    return jc_number(c);
}

/* true when s[0..n) is exactly one JSON text. */
static bool jc_valid_document(const char *s, size_t n)
{
    struct jc c = {.s = (const unsigned char *)s, .n = n};
    if (jc_value(&c) < 0)
        return false;
    jc_ws(&c);
    return c.i == c.n;
}

/* Decodes the single JSON string s[0..n) into out; returns its length or -1. */
static long jc_decode_string(const char *s, size_t n, unsigned char *out, size_t cap)
{
    struct jc c = {.s = (const unsigned char *)s, .n = n, .out = out, .outcap = cap};
    if (jc_string(&c) < 0 || c.i != n)
        return -1;
    return (long)c.outlen;
}
