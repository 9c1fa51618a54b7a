/* A small streaming JSON writer: each call writes its piece to the FILE at
 * once (no document in memory), two-space indented, strings escaped safely. */
#include "json.h"
#include "internal.h"
#include "util.h"

#include <errno.h>
#include <string.h>

void fr_json_init(struct fr_json *j, FILE *f)
{
    memset(j, 0, sizeof(*j));
    j->f = f;
    j->first[0] = true;
}

static bool in_object(const struct fr_json *j)
{
    return j->depth > 0 && j->object[j->depth];
}

void fr_json_write_string(FILE *f, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    fputc('"', f);
    while (i < n) {
        unsigned char c = s[i];
        size_t len;

        switch (c) {
        case '"': fputs("\\\"", f); i++; continue;
        case '\\': fputs("\\\\", f); i++; continue;
        case '\b': fputs("\\b", f); i++; continue;
        case '\f': fputs("\\f", f); i++; continue;
        case '\n': fputs("\\n", f); i++; continue;
        case '\r': fputs("\\r", f); i++; continue;
        case '\t': fputs("\\t", f); i++; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            i++;
            continue;
        }
        len = fr_utf8_len(s + i, n - i);
        if (len == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
            /* C1 controls: valid JSON raw, but escaped they cannot reach
             * a terminal that reads the document. */
            fprintf(f, "\\u%04x", s[i + 1]);
            i += 2;
            continue;
        }
        if (len == 0) {
            /* One replacement per bad byte keeps the output's length
             * predictable and never swallows a following valid byte. */
            fputs("\\ufffd", f);
            i++;
            continue;
        }
        fwrite(s + i, 1, len, f);
        i += len;
    }
    fputc('"', f);
}

static void indent(struct fr_json *j)
{
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Separator, indentation and "key": before any value. */
static void value_start(struct fr_json *j, const char *key)
{
    if (j->depth == 0) {
        if (!j->first[0])
            j->err = true; /* a second top-level value is not one document */
        j->first[0] = false;
        if (key)
            j->err = true;
        return;
    }
    /* Members of an object have keys, elements of an array none. */
    if ((key != NULL) != in_object(j))
        j->err = true;
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = false;
    indent(j);
    if (key) {
        fr_json_write_string(j->f, key, strlen(key));
        fputs(": ", j->f);
    }
}

static void open_container(struct fr_json *j, const char *key, char c)
{
    value_start(j, key);
    fputc(c, j->f);
    if (j->depth >= FR_JSON_MAX_DEPTH) {
        j->err = true;
        return;
    }
    j->depth++;
    j->first[j->depth] = true;
    j->object[j->depth] = c == '{';
}

static void close_container(struct fr_json *j, char c)
{
    bool empty;

    if (j->depth <= 0) {
        j->err = true;
        return;
    }
    if (j->object[j->depth] != (c == '}'))
        j->err = true; /* closes the other kind of container */
    empty = j->first[j->depth];
    j->depth--;
    if (!empty)
        indent(j);
    fputc(c, j->f);
}

void fr_json_begin_object(struct fr_json *j, const char *key)
{
    open_container(j, key, '{');
}

void fr_json_end_object(struct fr_json *j)
{
    close_container(j, '}');
}

void fr_json_begin_array(struct fr_json *j, const char *key)
{
    open_container(j, key, '[');
}

void fr_json_end_array(struct fr_json *j)
{
    close_container(j, ']');
}

void fr_json_string(struct fr_json *j, const char *key, const char *value)
{
    value_start(j, key);
    if (value)
        fr_json_write_string(j->f, value, strlen(value));
    else
        fputs("null", j->f);
}

void fr_json_int(struct fr_json *j, const char *key, long long value)
{
    value_start(j, key);
    fprintf(j->f, "%lld", value);
}

void fr_json_bool(struct fr_json *j, const char *key, bool value)
{
    value_start(j, key);
    fputs(value ? "true" : "false", j->f);
}

void fr_json_null(struct fr_json *j, const char *key)
{
    value_start(j, key);
    fputs("null", j->f);
}

int fr_json_finish(struct fr_json *j)
{
    fputc('\n', j->f);
    if (j->depth != 0 || j->err || j->first[0])
        return -EINVAL; /* first[0]: no value at all is no document either */
    if (fflush(j->f) != 0 || ferror(j->f))
        return -EIO;
    return 0;
}
