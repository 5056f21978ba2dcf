/*
 * synod.c: the exports the host calls (docs/abi.md, "Exports the module
 * must provide"), and the results the handlers set.
 */
#include <stdlib.h>

#include "synod.h"

#ifdef __wasm__
#define SYNOD_EXPORT(name) __attribute__((export_name(name)))
#else /* a native build, for unit tests (test/) */
#define SYNOD_EXPORT(name)
#endif

/* SYNOD_START_HEAP is the heap the module takes at start-up (bytes;
 * -DSYNOD_START_HEAP=N to change it). Every update starts from the memory
 * start-up left, so a heap that grew in one update grows again in the
 * next, at 65,536 fuel a page (docs/abi.md, "Fuel"); what start-up takes
 * is there in every call, at the price of that memory in every instance. */
#ifndef SYNOD_START_HEAP
#define SYNOD_START_HEAP (256u << 10)
#endif

/* take_start_heap grows the heap by SYNOD_START_HEAP and gives it back to
 * malloc, which keeps it: _initialize runs it, with the other
 * constructors. */
__attribute__((constructor)) static void take_start_heap(void) {
    /* volatile, or the compiler drops a malloc whose block is unused. */
    void *volatile block = malloc(SYNOD_START_HEAP);
    free(block);
}

/* request is the buffer synod_alloc hands out. There is one, reused and
 * grown as needed: the host asks for one buffer before each entry point,
 * which reads it until it returns, and a query instance (never reset)
 * would otherwise keep every request it served. */
static synod_buf request = SYNOD_BUF_INIT;

SYNOD_EXPORT("synod_abi_version")
int32_t synod_abi_version(void) { return SYNOD_ABI_VERSION; }

SYNOD_EXPORT("synod_alloc")
uint8_t *synod_alloc(uint32_t size) {
    request.len = 0;
    /* A zero-size request still gets a valid address. */
    synod_buf_reserve(&request, size > 0 ? size : 1);
    return request.data;
}

SYNOD_EXPORT("synod_update")
int32_t synod_update(const uint8_t *ptr, uint32_t len) { return synod_on_update(ptr, len); }

SYNOD_EXPORT("synod_query")
int32_t synod_query(const uint8_t *ptr, uint32_t len) { return synod_on_query(ptr, len); }

/* The default for a module that answers no queries. */
__attribute__((weak)) int32_t synod_on_query(const uint8_t *query, size_t len) {
    (void)query;
    (void)len;
    return synod_error_str(501, "this state machine answers no queries");
}

void synod_output(const void *data, size_t len) {
    synod_host_set_output((const uint8_t *)data, (uint32_t)len);
}

int32_t synod_error(uint32_t code, const void *msg, size_t msg_len) {
    synod_host_set_error(code, (const uint8_t *)msg, (uint32_t)msg_len);
    return code != 0 ? (int32_t)code : 1;
}

int32_t synod_error_str(uint32_t code, const char *msg) {
    size_t n = 0;
    while (msg[n] != '\0') {
        n++;
    }
    return synod_error(code, msg, n);
}
