/* UTF-8 validation shared by the log escaper, the JSON writer and the udev
 * name encoder. */
#pragma once
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes are looked at),
 * or 0 when it is invalid: stray continuation bytes, overlong forms,
 * surrogates and code points above U+10FFFF are rejected (RFC 3629). */
size_t fr_utf8_len(const unsigned char *s, size_t n);
