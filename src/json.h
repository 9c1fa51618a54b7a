/* A small streaming JSON writer, through which diagnose.c renders the facts
 * it has collected: objects, arrays, strings (escaped; invalid UTF-8 becomes
 * U+FFFD, C1 controls \u0080..), integers, booleans. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define FR_JSON_MAX_DEPTH 16

struct fr_json {
    FILE *f;
    int depth;
    bool first[FR_JSON_MAX_DEPTH + 1]; /* nothing written yet at this level */
    bool object[FR_JSON_MAX_DEPTH + 1]; /* the container at this level is an object */
    bool err;                          /* misuse (unbalanced, too deep) seen */
};

void fr_json_init(struct fr_json *j, FILE *f);
/* key is the member name inside an object, NULL inside an array or at the top. */
void fr_json_begin_object(struct fr_json *j, const char *key);
void fr_json_end_object(struct fr_json *j);
void fr_json_begin_array(struct fr_json *j, const char *key);
void fr_json_end_array(struct fr_json *j);
/* value NULL writes null. */
void fr_json_string(struct fr_json *j, const char *key, const char *value);
void fr_json_int(struct fr_json *j, const char *key, long long value);
void fr_json_bool(struct fr_json *j, const char *key, bool value);
void fr_json_null(struct fr_json *j, const char *key);
/* Ends the document with a newline. Returns 0, -EINVAL when the writer was
 * misused (containers left open, closed too often or with the wrong call, a
 * value without a key in an object, a key in an array or at the top, more
 * than one top-level value, deeper than FR_JSON_MAX_DEPTH): the text written
 * is then not one valid document. -EIO when writing failed. */
int fr_json_finish(struct fr_json *j);
