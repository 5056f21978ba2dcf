/*
 * fake_host.c: the in-memory host of fake_host.h.
 */
#include "fake_host.h"

#include <stdlib.h>
#include <string.h>

#include "synod.h"

/* Limits of docs/abi.md. */
#define MAX_SCAN_LIMIT 1000
#define PAGE_BYTES (4u << 20)

typedef struct entry {
    uint8_t *key, *value;
    size_t key_len, value_len;
} entry;

static entry *entries;
static size_t n_entries;
static int32_t scan_limits[4096];
static size_t n_scans;
static uint32_t error_code;
static size_t error_len;
static synod_buf output = SYNOD_BUF_INIT;

/* compare orders byte strings as the store does: bytewise, a prefix
 * first. */
static int compare(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
    size_t n = an < bn ? an : bn;
    int c = n > 0 ? memcmp(a, b, n) : 0;
    if (c != 0 || an == bn) {
        return c;
    }
    return an < bn ? -1 : 1;
}

/* find returns the index of the first entry whose key is at least key. */
static size_t find(const uint8_t *key, size_t len) {
    size_t i = 0;
    while (i < n_entries && compare(entries[i].key, entries[i].key_len, key, len) < 0) {
        i++;
    }
    return i;
}

static bool found_at(size_t i, const uint8_t *key, size_t len) {
    return i < n_entries && compare(entries[i].key, entries[i].key_len, key, len) == 0;
}

static uint8_t *copy(const uint8_t *p, size_t n) {
    uint8_t *c = malloc(n > 0 ? n : 1);
    if (c == NULL) {
        abort();
    }
    if (n > 0) {
        memcpy(c, p, n);
    }
    return c;
}

void fake_host_reset(void) {
    for (size_t i = 0; i < n_entries; i++) {
        free(entries[i].key);
        free(entries[i].value);
    }
    free(entries);
    entries = NULL;
    n_entries = 0;
    n_scans = 0;
    error_code = 0;
    error_len = 0;
    synod_buf_free(&output);
}

size_t fake_host_entries(void) { return n_entries; }

void fake_host_entry(size_t i, const uint8_t **key, size_t *key_len, const uint8_t **value,
                     size_t *value_len) {
    *key = entries[i].key;
    *key_len = entries[i].key_len;
    *value = entries[i].value;
    *value_len = entries[i].value_len;
}

const int32_t *fake_host_scan_limits(size_t *n) {
    *n = n_scans;
    return scan_limits;
}

uint32_t fake_host_error(size_t *msg_len) {
    *msg_len = error_len;
    return error_code;
}

const uint8_t *fake_host_output(size_t *len) {
    *len = output.len;
    return output.data;
}

int32_t synod_host_kv_get(const uint8_t *key, uint32_t key_len, uint8_t *buf, uint32_t buf_cap) {
    size_t i = find(key, key_len);
    if (!found_at(i, key, key_len)) {
        return -1;
    }
    if (entries[i].value_len <= buf_cap && entries[i].value_len > 0) {
        memcpy(buf, entries[i].value, entries[i].value_len);
    }
    return (int32_t)entries[i].value_len;
}

void synod_host_kv_set(const uint8_t *key, uint32_t key_len, const uint8_t *value,
                       uint32_t value_len) {
    if (key_len == 0 || key_len > SYNOD_MAX_KEY_SIZE || value_len > SYNOD_MAX_VALUE_SIZE) {
        abort(); /* the host traps */
    }
    size_t i = find(key, key_len);
    if (found_at(i, key, key_len)) {
        free(entries[i].value);
    } else {
        entry *grown = realloc(entries, (n_entries + 1) * sizeof *entries);
        if (grown == NULL) {
            abort();
        }
        entries = grown;
        memmove(entries + i + 1, entries + i, (n_entries - i) * sizeof *entries);
        n_entries++;
        entries[i].key = copy(key, key_len);
        entries[i].key_len = key_len;
    }
    entries[i].value = copy(value, value_len);
    entries[i].value_len = value_len;
}

void synod_host_kv_delete(const uint8_t *key, uint32_t key_len) {
    size_t i = find(key, key_len);
    if (!found_at(i, key, key_len)) {
        return;
    }
    free(entries[i].key);
    free(entries[i].value);
    memmove(entries + i, entries + i + 1, (n_entries - i - 1) * sizeof *entries);
    n_entries--;
}

/* append_u32le appends n as 4 little-endian bytes. */
static void append_u32le(synod_buf *b, size_t n) {
    uint8_t le[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    synod_buf_append(b, le, 4);
}

int32_t synod_host_kv_scan(const uint8_t *start, uint32_t start_len, const uint8_t *end,
                           uint32_t end_len, int32_t limit, uint8_t *buf, uint32_t buf_cap) {
    if (start_len > SYNOD_MAX_KEY_SIZE || end_len > SYNOD_MAX_KEY_SIZE) {
        abort(); /* the host traps */
    }
    if (n_scans < sizeof scan_limits / sizeof scan_limits[0]) {
        scan_limits[n_scans++] = limit;
    }
    if (limit <= 0 || limit > MAX_SCAN_LIMIT) {
        limit = MAX_SCAN_LIMIT;
    }
    synod_buf page = SYNOD_BUF_INIT;
    int32_t count = 0;
    for (size_t i = find(start, start_len); i < n_entries && count < limit && page.len < PAGE_BYTES; i++) {
        if (end_len > 0 && compare(entries[i].key, entries[i].key_len, end, end_len) >= 0) {
            break;
        }
        append_u32le(&page, entries[i].key_len);
        synod_buf_append(&page, entries[i].key, entries[i].key_len);
        append_u32le(&page, entries[i].value_len);
        synod_buf_append(&page, entries[i].value, entries[i].value_len);
        count++;
    }
    int32_t n = (int32_t)page.len;
    if (page.len <= buf_cap && page.len > 0) {
        memcpy(buf, page.data, page.len);
    }
    synod_buf_free(&page);
    return n;
}

void synod_host_set_output(const uint8_t *data, uint32_t len) {
    output.len = 0;
    synod_buf_append(&output, data, len);
}

void synod_host_set_error(uint32_t code, const uint8_t *msg, uint32_t msg_len) {
    (void)msg;
    error_code = code;
    error_len = msg_len;
}
