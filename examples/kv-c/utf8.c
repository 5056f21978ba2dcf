/*
 * utf8.c: UTF-8 decoding and encoding, as Go's unicode/utf8 does them.
 */
#include "utf8.h"

/* in reports whether lo <= c <= hi. */
static int in(uint8_t c, uint8_t lo, uint8_t hi) { return lo <= c && c <= hi; }

size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *rune) {
    uint8_t c = s[0];
    *rune = UTF8_REPLACEMENT;
    if (c < 0x80) {
        *rune = c;
        return 1;
    }
    /* The second byte's range depends on the first (Unicode's table 3-7):
     * it rules out overlong forms, surrogates and code points above
     * U+10FFFF. */
    size_t size;
    uint8_t lo = 0x80, hi = 0xBF;
    if (in(c, 0xC2, 0xDF)) {
        size = 2;
    } else if (in(c, 0xE0, 0xEF)) {
        size = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (in(c, 0xF0, 0xF4)) {
        size = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 1;
    }
    if (n < size || !in(s[1], lo, hi)) {
        return 1;
    }
    for (size_t i = 2; i < size; i++) {
        if (!in(s[i], 0x80, 0xBF)) {
            return 1;
        }
    }
    uint32_t r = c & (0xFF >> (size + 1));
    for (size_t i = 1; i < size; i++) {
        r = r << 6 | (s[i] & 0x3F);
    }
    *rune = r;
    return size;
}

size_t utf8_encode(uint32_t r, uint8_t *out) {
    if (r < 0x80) {
        out[0] = (uint8_t)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (uint8_t)(0xC0 | r >> 6);
        out[1] = (uint8_t)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (uint8_t)(0xE0 | r >> 12);
        out[1] = (uint8_t)(0x80 | (r >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | r >> 18);
    out[1] = (uint8_t)(0x80 | (r >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (r >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (r & 0x3F));
    return 4;
}
