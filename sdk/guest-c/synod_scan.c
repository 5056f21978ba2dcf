/*
 * synod_scan.c: the scan iterator, which pages through kv_scan
 * (docs/abi.md).
 */
#include <string.h>

#include "synod.h"

/* A page starts small, because many scans stop after a few entries, and
 * doubles up to the ABI's limit of 1000 entries, as the Go guest SDK's
 * do. */
#define FIRST_PAGE_LIMIT 64
#define MAX_PAGE_LIMIT 1000
/* The room a scan's page buffer starts with, and the most it reserves
 * ahead: the host ends a page once its encoding reaches 4 MiB. */
#define FIRST_PAGE_ROOM 4096
#define MAX_PAGE_ROOM (4u << 20)

/* set_prefix_end replaces b's contents with the smallest key greater than
 * every key that starts with prefix, or empties it (no upper bound) if
 * there is none: prefix is empty or all 0xff bytes. */
static void set_prefix_end(synod_buf *b, const uint8_t *prefix, size_t len) {
    b->len = 0;
    while (len > 0 && prefix[len - 1] == 0xff) {
        len--;
    }
    if (len == 0) {
        return;
    }
    synod_buf_append(b, prefix, len);
    b->data[len - 1]++;
}

void synod_scan_range(synod_scan *it, const void *start, size_t start_len, const void *end,
                      size_t end_len) {
    *it = (synod_scan){.limit = FIRST_PAGE_LIMIT};
    synod_buf_append(&it->from, start, start_len);
    synod_buf_append(&it->end, end, end_len);
}

void synod_scan_prefix(synod_scan *it, const void *prefix, size_t prefix_len) {
    synod_scan_range(it, prefix, prefix_len, NULL, 0);
    set_prefix_end(&it->end, prefix, prefix_len);
}

/* fetch reads the page that starts at it->from into it->page, and reports
 * whether it holds any entry. */
static bool fetch(synod_scan *it) {
    /* The next page is likely up to twice as large as the last: reserve
     * that, so that it takes one host call, not two. */
    size_t room = it->page.len * 2;
    room = room < FIRST_PAGE_ROOM ? FIRST_PAGE_ROOM : room > MAX_PAGE_ROOM ? MAX_PAGE_ROOM : room;
    it->page.len = 0;
    it->pos = 0;
    synod_buf_reserve(&it->page, room);
    int32_t n = synod_host_kv_scan(it->from.data, (uint32_t)it->from.len, it->end.data,
                                   (uint32_t)it->end.len, it->limit, it->page.data,
                                   (uint32_t)it->page.cap);
    if (n < 0) {
        __builtin_trap(); /* the host never returns a negative length */
    }
    if ((size_t)n > it->page.cap) {
        synod_buf_reserve(&it->page, (size_t)n);
        if (synod_host_kv_scan(it->from.data, (uint32_t)it->from.len, it->end.data,
                               (uint32_t)it->end.len, it->limit, it->page.data,
                               (uint32_t)it->page.cap) != n) {
            __builtin_trap(); /* the state cannot change within a call */
        }
    }
    it->page.len = (size_t)n;
    it->limit = it->limit * 2 > MAX_PAGE_LIMIT ? MAX_PAGE_LIMIT : it->limit * 2;
    return n > 0;
}

/* field reads one u32le-length-prefixed field of the page at it->pos. */
static synod_bytes field(synod_scan *it) {
    const uint8_t *p = it->page.data + it->pos;
    if (it->page.len - it->pos < 4) {
        __builtin_trap(); /* a malformed page */
    }
    uint32_t n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    it->pos += 4;
    if (it->page.len - it->pos < n) {
        __builtin_trap(); /* a malformed page */
    }
    synod_bytes f = {it->page.data + it->pos, n};
    it->pos += n;
    return f;
}

/* advance sets it->from to the smallest key after key, the start of the
 * next page: key + 0x00, or, when key has the maximum length (no key
 * extends it), the end of key as a prefix. It reports false if there is
 * no such key. */
static bool advance(synod_scan *it, synod_bytes key) {
    if (key.len < SYNOD_MAX_KEY_SIZE) {
        it->from.len = 0;
        synod_buf_append(&it->from, key.data, key.len);
        synod_buf_append_byte(&it->from, 0);
        return true;
    }
    set_prefix_end(&it->from, key.data, key.len);
    return it->from.len > 0;
}

bool synod_scan_next(synod_scan *it, synod_bytes *key, synod_bytes *value) {
    if (it->pos == it->page.len) {
        if (it->done || !fetch(it)) {
            it->done = true;
            return false;
        }
    }
    *key = field(it);
    *value = field(it);
    if (it->pos == it->page.len && !advance(it, *key)) {
        /* key and value stay in the page, which the next call leaves be. */
        it->done = true;
    }
    return true;
}

void synod_scan_free(synod_scan *it) {
    synod_buf_free(&it->from);
    synod_buf_free(&it->end);
    synod_buf_free(&it->page);
    it->pos = 0;
    it->done = true;
}
