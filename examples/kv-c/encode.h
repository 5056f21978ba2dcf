/*
 * encode.h: writing kv's results, byte for byte as Go's encoding/json
 * writes the Go kv's (examples/kv/encode.go).
 */
#ifndef KV_ENCODE_H
#define KV_ENCODE_H

#include <stdbool.h>

#include "synod.h"

/* json_append_string appends s (n bytes) as a JSON string, escaped as
 * encoding/json escapes it: '"', '\\' and \b, \f, \n, \r, \t get their
 * short escapes; other control characters, '<', '>', '&', U+2028 and
 * U+2029 are \u escapes; each byte of invalid UTF-8 becomes \ufffd. */
void json_append_string(synod_buf *b, const uint8_t *s, size_t n);

/* json_append_get_result appends get's result:
 * {"key":K,"value":V,"found":true} or {"key":K,"found":false}. */
void json_append_get_result(synod_buf *b, synod_bytes key, synod_bytes value, bool found);

/* json_append_item appends one item of list's result: {"key":K,"value":V}. */
void json_append_item(synod_buf *b, synod_bytes key, synod_bytes value);

#endif /* KV_ENCODE_H */
