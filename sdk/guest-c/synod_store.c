/*
 * synod_store.c: reading and writing the host's key-value store.
 */
#include "synod.h"

/* The room synod_get gives an empty buffer before asking the host, so that
 * most values take one host call instead of two. */
#define FIRST_VALUE_ROOM 256

bool synod_get(const void *key, size_t key_len, synod_buf *value) {
    value->len = 0;
    synod_buf_reserve(value, FIRST_VALUE_ROOM);
    int32_t n = synod_host_kv_get(key, (uint32_t)key_len, value->data, (uint32_t)value->cap);
    if (n < 0) {
        return false;
    }
    if ((size_t)n > value->cap) {
        synod_buf_reserve(value, (size_t)n);
        if (synod_host_kv_get(key, (uint32_t)key_len, value->data, (uint32_t)value->cap) != n) {
            __builtin_trap(); /* the state cannot change within a call */
        }
    }
    value->len = (size_t)n;
    return true;
}

void synod_set(const void *key, size_t key_len, const void *value, size_t value_len) {
    synod_host_kv_set(key, (uint32_t)key_len, value, (uint32_t)value_len);
}

void synod_delete(const void *key, size_t key_len) {
    synod_host_kv_delete(key, (uint32_t)key_len);
}
