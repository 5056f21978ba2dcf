/*
 * synod.h: write a Synod state machine in C.
 *
 * This header is the C guest kit's whole API. It implements version 1 of
 * Synod's guest ABI (docs/abi.md): a module defines synod_on_update and,
 * if it answers queries, synod_on_query; the kit's synod.c exports the
 * entry points the host calls and dispatches to them. State lives in the
 * host's key-value store, read and written with synod_get, synod_set,
 * synod_delete and the synod_scan iterator.
 *
 * Build with clang for wasm32-wasi as a WASI reactor (README.md):
 *
 *   clang --target=wasm32-wasi -mexec-model=reactor -O2 \
 *       -I sdk/guest-c sdk/guest-c/synod*.c my_machine.c -o my_machine.wasm
 *
 * Every function here may only be called while an entry point runs,
 * except the synod_buf functions, which are plain C. The kit also builds
 * natively, against a fake host that defines the imports, for unit tests
 * (sdk/guest-c/test).
 *
 * Allocation failure (the host caps a module's memory at 256 MiB) traps
 * the call, as a Go guest's runtime would: the helpers never return an
 * out-of-memory error.
 */
#ifndef SYNOD_H
#define SYNOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the guest ABI this kit implements. */
#define SYNOD_ABI_VERSION 1

/* The ABI's limits: a key is 1 byte to SYNOD_MAX_KEY_SIZE bytes, a value
 * at most SYNOD_MAX_VALUE_SIZE bytes, a result or an error message at most
 * SYNOD_MAX_OUTPUT_SIZE bytes. Exceeding one traps the call. */
#define SYNOD_MAX_KEY_SIZE 4096
#define SYNOD_MAX_VALUE_SIZE (1u << 20)
#define SYNOD_MAX_OUTPUT_SIZE (4u << 20)

/* ---- The handlers the module defines ------------------------------------
 *
 * The host calls them with the command's (or query's) bytes, which stay
 * valid until the handler returns. A handler returns 0 on success, with
 * its result set by synod_output (empty if never called), or non-zero on
 * an application error, best set with `return synod_error(code, ...)`.
 * Every write of a failed update is rolled back. To trap (which also rolls
 * back, and gives the client Connect code `aborted`), call
 * __builtin_trap().
 *
 * Every update starts from the memory the module had after start-up, so
 * nothing an update leaves in static variables or the heap survives it;
 * queries run on instances that are not reset, so a query handler must
 * free what it allocates and must not let leftovers change its result.
 */

/* synod_on_update applies one committed command. It must be
 * deterministic: the same command and state give the same writes and
 * result on every replica (no floats in results, no clocks, no
 * randomness). Every module defines it. */
int32_t synod_on_update(const uint8_t *command, size_t len);

/* synod_on_query answers one read-only query; a write traps. A module
 * that does not define it answers every query with application error 501
 * (synod.c holds that weak default). */
int32_t synod_on_query(const uint8_t *query, size_t len);

/* ---- Results ------------------------------------------------------------ */

/* synod_output sets the call's result bytes (the host copies them; the
 * last call wins). */
void synod_output(const void *data, size_t len);

/* synod_error records application error code with message msg (msg_len
 * bytes) and returns the value a handler should return: code, or 1 if
 * code is 0, so that the call fails either way. */
int32_t synod_error(uint32_t code, const void *msg, size_t msg_len);

/* synod_error_str is synod_error with a NUL-terminated message. */
int32_t synod_error_str(uint32_t code, const char *msg);

/* ---- Byte buffers ------------------------------------------------------- */

/* synod_buf is a growable byte buffer: the values synod_get reads, and a
 * handy way to build a result. Start from SYNOD_BUF_INIT (all zero) and
 * release it with synod_buf_free. data is NULL until something is
 * reserved; data[0..len) are the bytes; cap is what is allocated. */
typedef struct synod_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} synod_buf;

/* SYNOD_BUF_INIT is an empty buffer. */
#define SYNOD_BUF_INIT {NULL, 0, 0}

/* synod_buf_reserve makes room for at least extra more bytes after len. */
void synod_buf_reserve(synod_buf *b, size_t extra);

/* synod_buf_append appends n bytes from p. */
void synod_buf_append(synod_buf *b, const void *p, size_t n);

/* synod_buf_append_str appends the NUL-terminated string s, without its
 * NUL. */
void synod_buf_append_str(synod_buf *b, const char *s);

/* synod_buf_append_byte appends one byte. */
void synod_buf_append_byte(synod_buf *b, uint8_t c);

/* synod_buf_append_int appends n in decimal. */
void synod_buf_append_int(synod_buf *b, int64_t n);

/* synod_buf_free releases b's memory and empties it. */
void synod_buf_free(synod_buf *b);

/* synod_bytes is a view of bytes owned by someone else. */
typedef struct synod_bytes {
    const uint8_t *data;
    size_t len;
} synod_bytes;

/* ---- The store ---------------------------------------------------------- */

/* synod_get looks key up. If it exists, it replaces value's contents with
 * the key's value (growing value as needed) and returns true; otherwise it
 * empties value and returns false. */
bool synod_get(const void *key, size_t key_len, synod_buf *value);

/* synod_set writes key = value. */
void synod_set(const void *key, size_t key_len, const void *value, size_t value_len);

/* synod_delete deletes key; deleting a missing key is not an error. */
void synod_delete(const void *key, size_t key_len);

/* synod_scan iterates over the entries of a key range in ascending byte
 * order, reading the store a page at a time:
 *
 *   synod_scan it;
 *   synod_bytes key, value;
 *   synod_scan_prefix(&it, "user/", 5);
 *   while (synod_scan_next(&it, &key, &value)) { ... }
 *   synod_scan_free(&it);
 *
 * Its fields are private. Writes made while iterating may or may not be
 * seen by the rest of the scan, the same way on every replica. */
typedef struct synod_scan {
    synod_buf from;  /* the next page's first key */
    synod_buf end;   /* the range's end; empty for none */
    synod_buf page;  /* the current page, as kv_scan encodes it */
    size_t pos;      /* the offset of the next entry in page */
    int32_t limit;   /* entries asked for in the next page */
    bool done;       /* no page left to fetch */
} synod_scan;

/* synod_scan_range starts a scan of the entries with start <= key < end;
 * end_len 0 means no upper bound. start and end must be at most
 * SYNOD_MAX_KEY_SIZE bytes, or the first synod_scan_next traps. */
void synod_scan_range(synod_scan *it, const void *start, size_t start_len, const void *end,
                      size_t end_len);

/* synod_scan_prefix starts a scan of the entries whose key starts with
 * prefix; an empty prefix scans every entry. */
void synod_scan_prefix(synod_scan *it, const void *prefix, size_t prefix_len);

/* synod_scan_next sets key and value to the next entry and returns true,
 * or returns false at the end of the range. key and value point into the
 * iterator: they stay valid until the next synod_scan_next or
 * synod_scan_free. */
bool synod_scan_next(synod_scan *it, synod_bytes *key, synod_bytes *value);

/* synod_scan_free releases what the iterator holds. It may be called
 * before the end. */
void synod_scan_free(synod_scan *it);

/* ---- The host's imports (docs/abi.md), for what the helpers do not cover.
 * In a native build (a unit test's), they are plain declarations that the
 * test defines: sdk/guest-c/test/fake_host.c is such a host. */
#ifdef __wasm__
#define SYNOD_IMPORT(name) __attribute__((import_module("synod"), import_name(name)))
#else
#define SYNOD_IMPORT(name)
#endif
SYNOD_IMPORT("kv_get")
int32_t synod_host_kv_get(const uint8_t *key, uint32_t key_len, uint8_t *buf, uint32_t buf_cap);
SYNOD_IMPORT("kv_set")
void synod_host_kv_set(const uint8_t *key, uint32_t key_len, const uint8_t *value,
                       uint32_t value_len);
SYNOD_IMPORT("kv_delete")
void synod_host_kv_delete(const uint8_t *key, uint32_t key_len);
SYNOD_IMPORT("kv_scan")
int32_t synod_host_kv_scan(const uint8_t *start, uint32_t start_len, const uint8_t *end,
                           uint32_t end_len, int32_t limit, uint8_t *buf, uint32_t buf_cap);
SYNOD_IMPORT("set_output")
void synod_host_set_output(const uint8_t *data, uint32_t len);
SYNOD_IMPORT("set_error")
void synod_host_set_error(uint32_t code, const uint8_t *msg, uint32_t msg_len);
#undef SYNOD_IMPORT

#ifdef __cplusplus
}
#endif

#endif /* SYNOD_H */
