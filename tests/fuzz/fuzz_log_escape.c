/* Log escaping: whatever the input and the buffer size, the output is
 * NUL-terminated within size, printable UTF-8 (no byte below 0x20, no DEL,
 * no C1 control raw or as U+0080..U+009F, no invalid UTF-8), never cut
 * inside an escape, and unescaping gives back the input (or a prefix of it
 * when cut; never cut when size >= 4 * len + 1). */
#include "fuzz.h"
#include "log.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 8192)
        return 0;
    /* The first two bytes pick the output size, the rest is the text. */
    size_t len = size - 2;
    char *in = malloc(len + 1);
    memcpy(in, data + 2, len);
    in[len] = '\0';
    len = strlen(in);
    size_t full = 4 * len + 1;
    size_t osize = ((size_t)data[0] << 8 | data[1]) % (full + 2);
    char *out = malloc(osize + 1);
    out[osize] = 'Z';

    size_t n = fr_log_escape(in, out, osize);
    FUZZ_CHECK(out[osize] == 'Z'); /* nothing past size */
    if (osize == 0) {
        FUZZ_CHECK(n == 0);
        goto done;
    }
    FUZZ_CHECK(n < osize && out[n] == '\0' && strlen(out) == n);

    /* Printable UTF-8 only. */
    for (size_t i = 0; i < n;) {
        size_t l = fr_utf8_text_len((const unsigned char *)out + i, n - i);
        FUZZ_CHECK(l > 0);
        FUZZ_CHECK(!((unsigned char)out[i] == 0xc2 && (unsigned char)out[i + 1] < 0xa0));
        i += l;
    }

    /* Walk the input as the escaper must have: each text sequence copied,
     * each other byte as \xHH (lower-case hex); the output ends on a unit
     * boundary (cut before an escape or a sequence, never inside one). */
    size_t i = 0, used = 0;
    while (i < n) {
        FUZZ_CHECK(used < len);
        size_t l = fr_utf8_text_len((const unsigned char *)in + used, len - used);
        if (l > 0) {
            FUZZ_CHECK(i + l <= n && memcmp(out + i, in + used, l) == 0);
            i += l;
            used += l;
        } else {
            char esc[5];
            snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)in[used]);
            FUZZ_CHECK(i + 4 <= n && memcmp(out + i, esc, 4) == 0);
            i += 4;
            used++;
        }
    }
    if (osize >= full)
        FUZZ_CHECK(used == len); /* the documented bound: never cut */
    if (used < len) { /* cut only where the next unit did not fit */
        size_t l = fr_utf8_text_len((const unsigned char *)in + used, len - used);
        FUZZ_CHECK(n + (l ? l : 4) + 1 > osize);
    }
done:
    free(out);
    free(in);
    return 0;
}
