/*
 * command.h: kv's commands, and the decoder that reads them from JSON
 * exactly as the Go kv's (examples/kv/decode.go) does.
 */
#ifndef KV_COMMAND_H
#define KV_COMMAND_H

#include <stdbool.h>
#include <stdint.h>

#include "synod.h"

/* kv_field is one string field of a command: present is false when the
 * command does not have it (or, for key, value and expect, has null),
 * which tells it from an empty string. */
typedef struct kv_field {
    synod_bytes s;
    bool present;
} kv_field;

/* kv_command is one decoded command. Its strings point into the
 * command's bytes, or into arena when they had escapes or invalid UTF-8;
 * kv_command_free releases arena. */
typedef struct kv_command {
    kv_field op, key, value, expect, prefix;
    int64_t limit;
    uint8_t *arena;      /* the unescaped strings, allocated on first need */
    size_t arena_len;    /* the bytes of arena in use */
} kv_command;

/* kv_decode_error describes why a command could not be decoded: what went
 * wrong, at which offset of the command. */
typedef struct kv_decode_error {
    const char *what;
    size_t offset;
} kv_decode_error;

/* kv_decode decodes buf (n bytes), which must hold one JSON object and
 * nothing else but white space, into *c, as encoding/json decoded it into
 * the Go kv's command struct with DisallowUnknownFields: member names
 * match a field exactly or else case-insensitively (Unicode simple
 * folding), an unknown name is an error, a later duplicate wins; values
 * are strings, except limit (an integer); null clears key, value and
 * expect and leaves the other fields alone; invalid UTF-8 becomes U+FFFD.
 * It returns true on success; else it fills *err. Either way the caller
 * calls kv_command_free. */
bool kv_decode(const uint8_t *buf, size_t n, kv_command *c, kv_decode_error *err);

/* kv_command_free releases what c holds. */
void kv_command_free(kv_command *c);

#endif /* KV_COMMAND_H */
