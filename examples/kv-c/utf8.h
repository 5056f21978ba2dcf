/*
 * utf8.h: decoding UTF-8 exactly as Go's utf8.DecodeRune does, which the
 * JSON codec needs to treat invalid UTF-8 as encoding/json does.
 */
#ifndef KV_UTF8_H
#define KV_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* UTF8_REPLACEMENT is U+FFFD, what each byte of invalid UTF-8 becomes. */
#define UTF8_REPLACEMENT 0xFFFD

/* utf8_decode decodes the rune at the start of s (n > 0 bytes) into *rune
 * and returns its length, 1 to 4; for invalid UTF-8 (a bad or truncated
 * sequence, an overlong form, a surrogate or a code point above
 * U+10FFFF) it sets *rune to UTF8_REPLACEMENT and returns 1. */
size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *rune);

/* utf8_encode writes the valid code point r (not a surrogate) to out,
 * which has room for 4 bytes, and returns its length. */
size_t utf8_encode(uint32_t r, uint8_t *out);

#endif /* KV_UTF8_H */
