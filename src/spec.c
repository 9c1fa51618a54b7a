/* Root device specifications as the kernel and initramfs tools accept them:
 * text in, struct fr_spec out (and back). Pure. */
#include "spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Limits of the kernel's dev_t (MKDEV): 12-bit major, 20-bit minor. */
#define DEV_MAJOR_MAX 0xfffu
#define DEV_MINOR_MAX 0xfffffu

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int copy_value(struct fr_spec *out, const char *what, const char *v, size_t n,
                      char *err, size_t errlen)
{
    if (n == 0)
        return fail(err, errlen, "%s= has an empty value", what);
    if (n >= sizeof(out->value))
        return fail(err, errlen, "%s= value is longer than %d bytes", what, FR_SPEC_VALUE_MAX - 1);
    memcpy(out->value, v, n);
    out->value[n] = '\0';
    return 0;
}

/* UUIDs are hex, dashes and the odd letter (LVM, ZFS); whitespace or
 * control bytes in one are a broken command line, not a UUID. */
static int check_uuid_chars(const char *what, const char *v, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch <= 0x20 || ch == 0x7f)
            return fail(err, errlen, "%s= contains a %s", what,
                        ch == ' ' ? "space" : "control character");
    }
    return 0;
}

static int parse_uuid(struct fr_spec *out, const char *what, const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v);
    int r = check_uuid_chars(what, v, n, err, errlen);

    return r < 0 ? r : copy_value(out, what, v, n, err, errlen);
}

/* PARTUUID=<uuid>[/PARTNROFF=<int>], as in the kernel's devt_from_partuuid(). */
static int parse_partuuid(struct fr_spec *out, const char *v, char *err, size_t errlen)
{
    const char *slash = strchr(v, '/');
    size_t n = slash ? (size_t)(slash - v) : strlen(v);
    int r;

    r = check_uuid_chars("PARTUUID", v, n, err, errlen);
    if (r < 0)
        return r;
    r = copy_value(out, "PARTUUID", v, n, err, errlen);
    if (r < 0)
        return r;
    if (slash) {
        const char *num = slash + 1;
        char *end;
        long off;

        if (strncmp(num, "PARTNROFF=", 10) != 0)
            return fail(err, errlen, "PARTUUID= may only be followed by /PARTNROFF=N");
        num += 10;
        if (!((num[0] >= '0' && num[0] <= '9') ||
              ((num[0] == '-' || num[0] == '+') && num[1] >= '0' && num[1] <= '9')))
            return fail(err, errlen, "PARTNROFF= needs a whole number");
        errno = 0;
        off = strtol(num, &end, 10);
        if (*end)
            return fail(err, errlen, "PARTNROFF= needs a whole number");
        /* Partition numbers are below 2^20 (MINORBITS); so is any offset. */
        if (errno == ERANGE || off > 0xfffff || off < -0xfffff)
            return fail(err, errlen, "PARTNROFF= is out of range");
        out->partnroff = (int)off;
    }
    return 0;
}

static int parse_label(struct fr_spec *out, const char *what, const char *v, char *err, size_t errlen)
{
    /* Labels are matched raw against what libblkid reads: spaces, '/' and
     * UTF-8 are all real label content. Only a NUL could not be. */
    return copy_value(out, what, v, strlen(v), err, errlen);
}

static int parse_path(struct fr_spec *out, const char *text, char *err, size_t errlen)
{
    const char *rel = text + 5; /* after "/dev/" */
    const char *p = rel;
    size_t n = strlen(rel);

    if (n == 0)
        return fail(err, errlen, "\"/dev/\" names no device");
    if (fr_has_control(rel))
        return fail(err, errlen, "device path contains a control character");
    /* The path is joined to the devfs root: it must stay below it. */
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0)
            return fail(err, errlen, "device path has an empty component");
        if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return fail(err, errlen, "device path may not contain \".\" or \"..\"");
        if (!end)
            break;
        p = end + 1;
        if (!*p)
            return fail(err, errlen, "device path ends with '/'");
    }
    return copy_value(out, "/dev/", rel, n, err, errlen);
}

/* Decimal unsigned of at most max, the whole string [s, e). */
static int parse_dec(const char *s, const char *e, unsigned max, unsigned *out)
{
    unsigned long x = 0;

    if (s == e)
        return -EINVAL;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        x = x * 10 + (unsigned long)(*s - '0');
        if (x > max)
            return -ERANGE;
    }
    *out = (unsigned)x;
    return 0;
}

/* MAJ:MIN, or the kernel's hex dev_t ("0801", "fe01", "0x801") decoded as
 * name_to_dev_t does: new_decode_dev(simple_strtoul(name, NULL, 16)). */
static int parse_devnum(struct fr_spec *out, const char *v, char *err, size_t errlen)
{
    const char *colon = strchr(v, ':');
    unsigned maj, min;
    int r1, r2;

    if (colon) {
        const char *end = colon + 1 + strcspn(colon + 1, ":");
        /* The kernel also takes MAJ:MIN:OFFSET; the offset is unused. */
        if (*end) {
            unsigned dummy;
            if (parse_dec(end + 1, end + 1 + strlen(end + 1), 0xffffffffu, &dummy) < 0)
                return fail(err, errlen, "\"%.64s\" is not MAJ:MIN", v);
        }
        r1 = parse_dec(v, colon, DEV_MAJOR_MAX, &maj);
        r2 = parse_dec(colon + 1, end, DEV_MINOR_MAX, &min);
        if (r1 == -ERANGE || r2 == -ERANGE)
            return fail(err, errlen, "device number %.64s is out of range", v);
        if (r1 < 0 || r2 < 0)
            return fail(err, errlen, "\"%.64s\" is not MAJ:MIN", v);
    } else {
        const char *h = v;
        unsigned long dev = 0;
        size_t digits = 0;

        if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
            h += 2;
        for (; *h; h++, digits++) {
            int d;
            if (*h >= '0' && *h <= '9')
                d = *h - '0';
            else if (*h >= 'a' && *h <= 'f')
                d = *h - 'a' + 10;
            else if (*h >= 'A' && *h <= 'F')
                d = *h - 'A' + 10;
            else
                return fail(err, errlen,
                            "unknown root spec \"%.64s\" (want UUID=, LABEL=, PARTUUID=, "
                            "PARTLABEL=, /dev/..., MAJ:MIN or hex)", v);
            dev = (dev << 4) | (unsigned long)d;
            if (dev > 0xffffffffUL)
                return fail(err, errlen, "device number %.64s is out of range", v);
        }
        if (digits == 0)
            return fail(err, errlen, "\"%.64s\" is not a device number", v);
        maj = (unsigned)((dev & 0xfff00) >> 8);
        min = (unsigned)((dev & 0xff) | ((dev >> 12) & 0xfff00));
    }
    if (maj == 0)
        return fail(err, errlen, "device number %.64s has major 0, which is no block device", v);
    out->major = maj;
    out->minor = min;
    return 0;
}

/* root=LABEL="my disk": the kernel drops only quotes that open the value, so
 * LABEL="my disk" arrives with its quotes. libblkid's tag parser and
 * systemd drop one enclosing pair of " or ', and so do we. */
static const char *unquote(const char *v, char *buf, size_t size)
{
    size_t n = strlen(v);

    if (n < 2 || (v[0] != '"' && v[0] != '\'') || v[n - 1] != v[0] || n - 2 >= size)
        return v;
    memcpy(buf, v + 1, n - 2);
    buf[n - 2] = '\0';
    return buf;
}

int fr_spec_parse(const char *text, struct fr_spec *out, char *err, size_t errlen)
{
    char uq[FR_SPEC_VALUE_MAX];

    if (err && errlen)
        err[0] = '\0';
    memset(out, 0, sizeof(*out));
    if (!text || !*text)
        return fail(err, errlen, "empty root spec");

    /* Prefixes are case sensitive, as in the kernel and blkid. */
    if (strncmp(text, "UUID=", 5) == 0) {
        out->kind = FR_SPEC_UUID;
        return parse_uuid(out, "UUID", unquote(text + 5, uq, sizeof(uq)), err, errlen);
    }
    if (strncmp(text, "PARTUUID=", 9) == 0) {
        out->kind = FR_SPEC_PARTUUID;
        return parse_partuuid(out, unquote(text + 9, uq, sizeof(uq)), err, errlen);
    }
    if (strncmp(text, "LABEL=", 6) == 0) {
        out->kind = FR_SPEC_LABEL;
        return parse_label(out, "LABEL", unquote(text + 6, uq, sizeof(uq)), err, errlen);
    }
    if (strncmp(text, "PARTLABEL=", 10) == 0) {
        out->kind = FR_SPEC_PARTLABEL;
        return parse_label(out, "PARTLABEL", unquote(text + 10, uq, sizeof(uq)), err, errlen);
    }
    if (strncmp(text, "/dev/", 5) == 0) {
        out->kind = FR_SPEC_PATH;
        return parse_path(out, text, err, errlen);
    }
    if (strlen(text) >= FR_SPEC_VALUE_MAX)
        return fail(err, errlen, "root spec is longer than %d bytes", FR_SPEC_VALUE_MAX - 1);
    if (fr_has_control(text))
        return fail(err, errlen, "root spec contains a control character");
    out->kind = FR_SPEC_DEVNUM;
    return parse_devnum(out, text, err, errlen);
}

const char *fr_spec_kind_name(enum fr_spec_kind k)
{
    switch (k) {
    case FR_SPEC_UUID: return "UUID";
    case FR_SPEC_LABEL: return "LABEL";
    case FR_SPEC_PARTUUID: return "PARTUUID";
    case FR_SPEC_PARTLABEL: return "PARTLABEL";
    case FR_SPEC_PATH: return "path";
    case FR_SPEC_DEVNUM: return "device number";
    }
    return "unknown";
}

void fr_spec_format(const struct fr_spec *s, char *buf, size_t size)
{
    /* A value that itself looks quoted ('x') gets a pair of quotes more,
     * which unquote() takes off again: the text parses back to s. */
    size_t n = strlen(s->value);
    const char *q = n >= 2 && (s->value[0] == '"' || s->value[0] == '\'') &&
                            s->value[n - 1] == s->value[0]
                        ? "\""
                        : "";

    if (!buf || size == 0)
        return;
    switch (s->kind) {
    case FR_SPEC_UUID:
    case FR_SPEC_LABEL:
    case FR_SPEC_PARTLABEL:
        snprintf(buf, size, "%s=%s%s%s", fr_spec_kind_name(s->kind), q, s->value, q);
        break;
    case FR_SPEC_PARTUUID:
        if (s->partnroff)
            snprintf(buf, size, "PARTUUID=%s/PARTNROFF=%d", s->value, s->partnroff);
        else
            snprintf(buf, size, "PARTUUID=%s%s%s", q, s->value, q);
        break;
    case FR_SPEC_PATH:
        snprintf(buf, size, "/dev/%s", s->value);
        break;
    case FR_SPEC_DEVNUM:
        snprintf(buf, size, "%u:%u", s->major, s->minor);
        break;
    default:
        snprintf(buf, size, "?");
        break;
    }
}
