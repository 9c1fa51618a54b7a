/* UTF-8 validation shared by the log escaper, the JSON writer and the udev
 * name encoder. */
#pragma once
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes are looked at),
 * or 0 when it is invalid: stray continuation bytes, overlong forms,
 * surrogates and code points above U+10FFFF are rejected (RFC 3629). */
size_t fr_utf8_len(const unsigned char *s, size_t n);
/* As fr_utf8_len, but 0 also for a control character: C0 (below 0x20),
 * DEL and C1 (U+0080..U+009F). What is left is printable text. */
size_t fr_utf8_text_len(const unsigned char *s, size_t n);
