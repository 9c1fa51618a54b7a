/* JSON writer: escaping (quotes, backslash, control bytes, invalid UTF-8)
 * and document structure. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "json.h"

/* Escape s (len bytes) and return the quoted result (caller frees). */
static char *esc(const char *s, size_t len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    if (!f)
        return NULL;
    fr_json_write_string(f, s, len);
    fclose(f);
    return buf;
}

#define CHECK_ESC(in, expected)                                                        \
    do {                                                                               \
        char *out_ = esc((in), sizeof(in) - 1);                                        \
        CHECK_STR(out_, (expected));                                                   \
        free(out_);                                                                    \
    } while (0)

static void test_escaping(void)
{
    CHECK_ESC("", "\"\"");
    CHECK_ESC("plain vda1", "\"plain vda1\"");
    CHECK_ESC("a\"b", "\"a\\\"b\"");
    CHECK_ESC("a\\b", "\"a\\\\b\"");
    CHECK_ESC("0000:00:02.0\tunknown\n", "\"0000:00:02.0\\tunknown\\n\"");
    CHECK_ESC("\b\f\r", "\"\\b\\f\\r\"");
    CHECK_ESC("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
    CHECK_ESC("nul\0inside", "\"nul\\u0000inside\"");
    CHECK_ESC("/ stays", "\"/ stays\"");
    /* Valid UTF-8 passes untouched: é, €, U+10348. */
    CHECK_ESC("\xc3\xa9\xe2\x82\xac\xf0\x90\x8d\x88", "\"\xc3\xa9\xe2\x82\xac\xf0\x90\x8d\x88\"");
    /* Invalid: stray continuation, truncated sequence, overlong '/',
     * UTF-16 surrogate, above U+10FFFF, 0xff. */
    CHECK_ESC("a\x80z", "\"a\\ufffdz\"");
    CHECK_ESC("\xc3", "\"\\ufffd\"");
    CHECK_ESC("\xe2\x82", "\"\\ufffd\\ufffd\"");
    /* C1 controls (U+009B is CSI on a VT) escaped; U+00A0 is text. */
    CHECK_ESC("\xc2\x9b" "2J\xc2\x80\xc2\xa0", "\"\\u009b2J\\u0080\xc2\xa0\"");
    CHECK_ESC("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    CHECK_ESC("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    CHECK_ESC("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    CHECK_ESC("\xff" "ok", "\"\\ufffdok\"");
    /* A bad lead byte must not swallow the valid character after it. */
    CHECK_ESC("\xe2" "\xc3\xa9", "\"\\ufffd\xc3\xa9\"");
}

static void test_document(void)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    struct fr_json j;

    fr_json_init(&j, f);
    fr_json_begin_object(&j, NULL);
    fr_json_string(&j, "name", "vd\"a");
    fr_json_string(&j, "none", NULL);
    fr_json_int(&j, "major", 252);
    fr_json_int(&j, "neg", -5);
    fr_json_bool(&j, "yes", true);
    fr_json_bool(&j, "no", false);
    fr_json_null(&j, "nothing");
    fr_json_begin_array(&j, "empty");
    fr_json_end_array(&j);
    fr_json_begin_object(&j, "emptyobj");
    fr_json_end_object(&j);
    fr_json_begin_array(&j, "list");
    fr_json_string(&j, NULL, "x");
    fr_json_begin_object(&j, NULL);
    fr_json_int(&j, "n", 1);
    fr_json_end_object(&j);
    fr_json_end_array(&j);
    fr_json_end_object(&j);
    CHECK_INT(fr_json_finish(&j), 0);
    fclose(f);
    CHECK_STR(buf, "{\n"
                   "  \"name\": \"vd\\\"a\",\n"
                   "  \"none\": null,\n"
                   "  \"major\": 252,\n"
                   "  \"neg\": -5,\n"
                   "  \"yes\": true,\n"
                   "  \"no\": false,\n"
                   "  \"nothing\": null,\n"
                   "  \"empty\": [],\n"
                   "  \"emptyobj\": {},\n"
                   "  \"list\": [\n"
                   "    \"x\",\n"
                   "    {\n"
                   "      \"n\": 1\n"
                   "    }\n"
                   "  ]\n"
                   "}\n");
    free(buf);
}

/* Runs a script of writer calls: { } [ ] open and close (no key), i is
 * the int 1 without a key, s a string with key "k", n a null with key "k". */
static int script(FILE *f, const char *ops)
{
    struct fr_json j;

    fr_json_init(&j, f);
    for (const char *p = ops; *p; p++) {
        switch (*p) {
        case '{': fr_json_begin_object(&j, NULL); break;
        case '}': fr_json_end_object(&j); break;
        case '[': fr_json_begin_array(&j, NULL); break;
        case ']': fr_json_end_array(&j); break;
        case 'i': fr_json_int(&j, NULL, 1); break;
        case 's': fr_json_string(&j, "k", "v"); break;
        case 'n': fr_json_null(&j, "k"); break;
        }
    }
    return fr_json_finish(&j);
}

static void test_misuse(void)
{
    static const struct {
        const char *ops, *what;
        int ret;
    } uses[] = {
        {"{", "left open", -EINVAL},
        {"[]]", "closed once too often", -EINVAL},
        {"ii", "two top-level values are not one document", -EINVAL},
        {"{i}", "a value without a key inside an object", -EINVAL},
        {"{[]}", "a container without a key inside an object", -EINVAL},
        {"[s]", "a key inside an array", -EINVAL},
        {"{]", "closing the wrong container", -EINVAL},
        {"[{]}", "closing the wrong container, the other way", -EINVAL},
        /* Right use still passes (the checks above are not always -EINVAL). */
        {"[{n}]", "right use", 0},
    };
    char deep[2 * (FR_JSON_MAX_DEPTH + 3) + 1];
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++) {
        int ret = script(f, uses[i].ops);
        if (ret != uses[i].ret)
            fprintf(stderr, "\"%s\" (%s):\n", uses[i].ops, uses[i].what);
        CHECK_INT(ret, uses[i].ret);
    }
    /* Deeper than the writer tracks: flagged, not overflowing. */
    memset(deep, '[', FR_JSON_MAX_DEPTH + 3);
    memset(deep + FR_JSON_MAX_DEPTH + 3, ']', FR_JSON_MAX_DEPTH + 3);
    deep[sizeof(deep) - 1] = '\0';
    CHECK_INT(script(f, deep), -EINVAL);
    fclose(f);
    free(buf);
}

static const struct check_case cases[] = {
    CASE(escaping),
    CASE(document),
    CASE(misuse),
};
CHECK_MAIN("test_json", cases)
