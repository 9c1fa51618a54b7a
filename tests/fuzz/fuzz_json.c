/* JSON writer: any bytes written as a string are one valid RFC 8259 string
 * (strict checker, jsoncheck.h) that decodes to the input with each invalid
 * UTF-8 byte as U+FFFD; and any sequence of writer calls either ends in
 * fr_json_finish() == 0 with one valid document, or in -EINVAL exactly when
 * the calls misused the writer (the model below says when). */
#include "fuzz.h"
#include "internal.h"
#include "json.h"
#include "jsoncheck.h"
#include "util.h"

static void check_string(const uint8_t *data, size_t size)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_CHECK(f);
    fr_json_write_string(f, (const char *)data, size);
    fclose(f);
    FUZZ_CHECK(jc_valid_document(buf, len));

    /* The expected decoding. */
    unsigned char *want = malloc(3 * size + 1), *got = malloc(3 * size + 1);
    size_t wn = 0;
    for (size_t i = 0; i < size;) {
        size_t l = data[i] < 0x80 ? 1 : fr_utf8_len(data + i, size - i);
        if (l == 0) {
            memcpy(want + wn, "\xef\xbf\xbd", 3);
            wn += 3;
            i++;
        } else {
            memcpy(want + wn, data + i, l);
            wn += l;
            i += l;
        }
    }
    long gn = jc_decode_string(buf, len, got, 3 * size + 1);
    FUZZ_CHECK(gn == (long)wn);
    FUZZ_CHECK(memcmp(got, want, wn) == 0);
    /* Nothing a terminal acts on stays raw: C0, DEL, C1 (as UTF-8). */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        FUZZ_CHECK(c >= 0x20 && c != 0x7f);
        FUZZ_CHECK(!(c == 0xc2 && i + 1 < len && (unsigned char)buf[i + 1] < 0xa0));
    }
    free(want);
    free(got);
    free(buf);
}

static void check_writer(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_CHECK(f);
    struct fr_json j;
    fr_json_init(&j, f);

    /* The model: a stack of container kinds ('{' or '['), whether one
     * top-level value was written, and whether any call was misuse. */
    char stack[64];
    int depth = 0, top_values = 0;
    bool misuse = false;

    for (int ops = 0; in.n && ops < 200; ops++) {
        uint8_t op = fuzz_byte(&in);
        bool with_key = op & 0x80;
        char key[8];
        snprintf(key, sizeof(key), "k%d", ops);
        const char *k = with_key ? key : NULL;
        int kind = op & 0x7;
        if (kind <= 5) { /* a value or an opening: placement rules */
            if (depth == 0) {
                if (with_key || top_values++ > 0)
                    misuse = true;
            } else if (with_key != (stack[depth - 1] == '{')) {
                misuse = true;
            }
        }
        switch (kind) {
        case 0:
            fr_json_string(&j, k, "v\x9b\xc2\x9b");
            break;
        case 1:
            fr_json_int(&j, k, (long long)op * -12345);
            break;
        case 2:
            fr_json_bool(&j, k, op & 0x40);
            break;
        case 3:
            fr_json_null(&j, k);
            break;
        case 4:
        case 5:
            if (kind == 4)
                fr_json_begin_object(&j, k);
            else
                fr_json_begin_array(&j, k);
            if (depth >= FR_JSON_MAX_DEPTH)
                misuse = true;
            if (depth < (int)sizeof(stack))
                stack[depth++] = kind == 4 ? '{' : '[';
            break;
        default: {
            bool obj = (op & 0x8) != 0;
            if (obj)
                fr_json_end_object(&j);
            else
                fr_json_end_array(&j);
            if (depth == 0 || stack[depth - 1] != (obj ? '{' : '['))
                misuse = true;
            if (depth > 0)
                depth--;
            break;
        }
        }
        if (misuse)
            break; /* after misuse the writer's state is not modelled */
    }
    if (depth != 0 || top_values == 0)
        misuse = true;
    int r = fr_json_finish(&j);
    fclose(f);
    if (misuse) {
        FUZZ_CHECK(r == -EINVAL);
    } else {
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(jc_valid_document(buf, len));
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    check_string(data, size);
    check_writer(data, size);
    return 0;
}
