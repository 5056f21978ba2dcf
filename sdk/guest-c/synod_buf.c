/*
 * synod_buf.c: the growable byte buffer of synod.h. Plain C: it also
 * builds natively, for unit tests of a module's pure logic.
 */
#include <stdlib.h>
#include <string.h>

#include "synod.h"

void synod_buf_reserve(synod_buf *b, size_t extra) {
    if (b->cap - b->len >= extra) {
        return;
    }
    if (extra > SIZE_MAX - b->len) {
        __builtin_trap(); /* a size no memory can hold */
    }
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap - b->len < extra) {
        cap = cap > SIZE_MAX / 2 ? b->len + extra : cap * 2;
    }
    uint8_t *data = realloc(b->data, cap);
    if (data == NULL) {
        __builtin_trap(); /* out of memory: see synod.h */
    }
    b->data = data;
    b->cap = cap;
}

void synod_buf_append(synod_buf *b, const void *p, size_t n) {
    if (n == 0) {
        return;
    }
    synod_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void synod_buf_append_str(synod_buf *b, const char *s) { synod_buf_append(b, s, strlen(s)); }

void synod_buf_append_byte(synod_buf *b, uint8_t c) {
    synod_buf_reserve(b, 1);
    b->data[b->len++] = c;
}

void synod_buf_append_int(synod_buf *b, int64_t n) {
    char digits[20];
    size_t i = sizeof digits;
    /* Work with the magnitude as unsigned, so INT64_MIN does not overflow. */
    uint64_t u = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    do {
        digits[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (n < 0) {
        synod_buf_append_byte(b, '-');
    }
    synod_buf_append(b, digits + i, sizeof digits - i);
}

void synod_buf_free(synod_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
