/*
 * fake_host.h: an in-memory host for the kit's native unit tests. It
 * defines the synod_host_* imports of synod.h as docs/abi.md specifies
 * them, over a sorted array of entries, and aborts (as the host traps)
 * when a call breaks a limit.
 */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <stddef.h>
#include <stdint.h>

/* fake_host_reset empties the store and forgets the calls. */
void fake_host_reset(void);

/* fake_host_entries returns the number of entries in the store, and
 * fake_host_entry the i-th in key order. */
size_t fake_host_entries(void);
void fake_host_entry(size_t i, const uint8_t **key, size_t *key_len, const uint8_t **value,
                     size_t *value_len);

/* fake_host_scan_limits returns the limits the kv_scan calls since the
 * last reset asked for, and their number in *n. */
const int32_t *fake_host_scan_limits(size_t *n);

/* fake_host_error returns the code of the last set_error, and its
 * message's length in *msg_len. */
uint32_t fake_host_error(size_t *msg_len);

/* fake_host_output returns the bytes of the last set_output. */
const uint8_t *fake_host_output(size_t *len);

#endif /* FAKE_HOST_H */
