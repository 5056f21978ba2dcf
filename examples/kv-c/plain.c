/*
 * plain.c: plain_prefix, with the bit tricks of
 * https://graphics.stanford.edu/~seander/bithacks.html#ZeroInWord.
 */
#include "plain.h"

#include <string.h>

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* equal has the high bit set of the bytes of x that are c, and perhaps of
 * some bytes after the first such one (a borrow propagates up). */
static uint64_t equal(uint64_t x, uint8_t c) {
    uint64_t y = x ^ (ONES * c);
    return (y - ONES) & ~y;
}

/* not_plain returns a word with the high bit set of each byte of x that is
 * not plain, taking the bytes in little-endian order, and perhaps of some
 * bytes after the first such one: the lowest set bit marks the first byte
 * that is not plain. It is zero if all are plain. */
static uint64_t not_plain(uint64_t x) {
    uint64_t control = (x - ONES * ' ') & ~x; /* bytes below ' ' */
    return (x | control | equal(x, '"') | equal(x, '\\') | equal(x, '<') | equal(x, '>') |
            equal(x, '&')) & HIGHS;
}

/* load reads 8 bytes as a little-endian word (wasm32 and the machines the
 * native test runs on are little-endian). */
static uint64_t load(const uint8_t *p) {
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

size_t plain_prefix(const uint8_t *s, size_t n) {
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t m = not_plain(load(s + i));
        if (m != 0) {
            return i + (size_t)__builtin_ctzll(m) / 8;
        }
    }
    /* The last bytes, padded with zeros, which are not plain. */
    uint8_t tail[8] = {0};
    if (n > i) {
        memcpy(tail, s + i, n - i);
    }
    return i + (size_t)__builtin_ctzll(not_plain(load(tail))) / 8;
}
