/*
 * plain.h: finding the plain bytes of a string, eight at a time.
 */
#ifndef KV_PLAIN_H
#define KV_PLAIN_H

#include <stddef.h>
#include <stdint.h>

/* plain_prefix returns the length of the longest prefix of s (n bytes)
 * that is plain: printable ASCII other than '"', '\\', '<', '>' and '&'.
 * Plain bytes are what encoding/json writes into a string as they are, and
 * most of what a command's strings hold, so the decoder and the encoder
 * skip over them with plain_prefix and look closely only at the rest.
 *
 * It looks at eight bytes at a time, as the Go kv's plainPrefix does:
 * every instruction costs fuel in a guest, and a byte at a time costs
 * about twenty. */
size_t plain_prefix(const uint8_t *s, size_t n);

#endif /* KV_PLAIN_H */
