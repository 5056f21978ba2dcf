/*
 * kv-c: the kv example state machine (examples/kv) written in C with the
 * C guest kit (sdk/guest-c): a key-value store with compare-and-swap and
 * prefix listing, driven by JSON commands. Its commands, results, error
 * codes and stored bytes are the Go kv's, byte for byte (README.md).
 */
#include <string.h>

#include "command.h"
#include "encode.h"
#include "synod.h"

/* Application error codes, as the Go kv's. */
enum {
    CODE_BAD_COMMAND = 400,
    CODE_CAS_MISMATCH = 409,
    CODE_FAILED = 500,
};

/* List limits. */
enum {
    DEFAULT_LIMIT = 100,
    MAX_LIMIT = 1000,
};

static const char ok_json[] = "{\"ok\":true}";

/* fail_msg sets application error code with message msg, releases msg,
 * and returns what the handler returns. */
static int32_t fail_msg(uint32_t code, synod_buf *msg) {
    int32_t ret = synod_error(code, msg->data, msg->len);
    synod_buf_free(msg);
    return ret;
}

/* fail_quoted fails with code and the message before, text quoted as a
 * JSON string, after: as the Go kv's messages quote ops and keys. */
static int32_t fail_quoted(uint32_t code, const char *before, synod_bytes text, const char *after) {
    synod_buf msg = SYNOD_BUF_INIT;
    synod_buf_append_str(&msg, before);
    json_append_string(&msg, text.data, text.len);
    synod_buf_append_str(&msg, after);
    return fail_msg(code, &msg);
}

/* check_key reports whether the command's key is present, not empty and
 * at most SYNOD_MAX_KEY_SIZE bytes; if not, it sets error 400. */
static bool check_key(const kv_command *c) {
    if (c->key.present && c->key.s.len > 0 && c->key.s.len <= SYNOD_MAX_KEY_SIZE) {
        return true;
    }
    synod_buf msg = SYNOD_BUF_INIT;
    synod_buf_append(&msg, c->op.s.data, c->op.s.len);
    if (c->key.s.len == 0) {
        synod_buf_append_str(&msg, ": missing or empty key");
    } else {
        synod_buf_append_str(&msg, ": key of ");
        synod_buf_append_int(&msg, (int64_t)c->key.s.len);
        synod_buf_append_str(&msg, " bytes exceeds 4096");
    }
    fail_msg(CODE_BAD_COMMAND, &msg);
    return false;
}

/* check_value reports whether the command has a value of at most
 * SYNOD_MAX_VALUE_SIZE bytes; if not, it sets error 400. */
static bool check_value(const kv_command *c) {
    if (c->value.present && c->value.s.len <= SYNOD_MAX_VALUE_SIZE) {
        return true;
    }
    synod_buf msg = SYNOD_BUF_INIT;
    synod_buf_append(&msg, c->op.s.data, c->op.s.len);
    if (!c->value.present) {
        synod_buf_append_str(&msg, ": missing value");
    } else {
        synod_buf_append_str(&msg, ": value of ");
        synod_buf_append_int(&msg, (int64_t)c->value.s.len);
        synod_buf_append_str(&msg, " bytes exceeds 1048576");
    }
    fail_msg(CODE_BAD_COMMAND, &msg);
    return false;
}

/* The handlers return 0 or the entry point's error return, as
 * synod_on_update does. A failed check has set the error already. */

static int32_t get(const kv_command *c) {
    if (!check_key(c)) {
        return CODE_BAD_COMMAND;
    }
    synod_buf value = SYNOD_BUF_INIT, out = SYNOD_BUF_INIT;
    bool found = synod_get(c->key.s.data, c->key.s.len, &value);
    json_append_get_result(&out, c->key.s, (synod_bytes){value.data, value.len}, found);
    synod_output(out.data, out.len);
    synod_buf_free(&value);
    synod_buf_free(&out);
    return 0;
}

static int32_t list(const kv_command *c) {
    int64_t limit = c->limit;
    if (limit < 0 || limit > MAX_LIMIT) {
        synod_buf msg = SYNOD_BUF_INIT;
        synod_buf_append_str(&msg, "list: limit ");
        synod_buf_append_int(&msg, limit);
        synod_buf_append_str(&msg, " is outside [0, 1000]");
        return fail_msg(CODE_BAD_COMMAND, &msg);
    }
    if (limit == 0) {
        limit = DEFAULT_LIMIT;
    }
    if (c->prefix.s.len > SYNOD_MAX_KEY_SIZE) {
        /* No key has such a prefix, and the host traps on a scan bound
         * over the key limit: a bad command, as an over-long key is. */
        return synod_error_str(CODE_BAD_COMMAND, "list: prefix exceeds 4096 bytes");
    }
    synod_buf out = SYNOD_BUF_INIT;
    synod_buf_append_str(&out, "{\"items\":[");
    synod_scan it;
    synod_bytes key, value;
    int64_t n = 0;
    bool more = false;
    synod_scan_prefix(&it, c->prefix.s.data, c->prefix.s.len);
    while (synod_scan_next(&it, &key, &value)) {
        if (n == limit) {
            more = true;
            break;
        }
        if (n > 0) {
            synod_buf_append_byte(&out, ',');
        }
        json_append_item(&out, key, value);
        n++;
    }
    synod_scan_free(&it);
    synod_buf_append_str(&out, more ? "],\"more\":true}" : "]}");
    synod_output(out.data, out.len);
    synod_buf_free(&out);
    return 0;
}

static int32_t put(const kv_command *c) {
    if (!check_key(c) || !check_value(c)) {
        return CODE_BAD_COMMAND;
    }
    synod_set(c->key.s.data, c->key.s.len, c->value.s.data, c->value.s.len);
    synod_output(ok_json, sizeof ok_json - 1);
    return 0;
}

static int32_t del(const kv_command *c) {
    if (!check_key(c)) {
        return CODE_BAD_COMMAND;
    }
    synod_delete(c->key.s.data, c->key.s.len);
    synod_output(ok_json, sizeof ok_json - 1);
    return 0;
}

/* cas sets the key to value if its current value is expect, or if expect
 * is absent (or null) and the key does not exist. */
static int32_t cas(const kv_command *c) {
    if (!check_key(c) || !check_value(c)) {
        return CODE_BAD_COMMAND;
    }
    synod_buf cur = SYNOD_BUF_INIT;
    bool found = synod_get(c->key.s.data, c->key.s.len, &cur);
    bool same = found && c->expect.present && cur.len == c->expect.s.len &&
                (cur.len == 0 || memcmp(cur.data, c->expect.s.data, cur.len) == 0);
    synod_buf_free(&cur);
    if (!c->expect.present && found) {
        return fail_quoted(CODE_CAS_MISMATCH, "cas ", c->key.s, ": key exists");
    }
    if (c->expect.present && !found) {
        return fail_quoted(CODE_CAS_MISMATCH, "cas ", c->key.s, ": key does not exist");
    }
    if (c->expect.present && !same) {
        return fail_quoted(CODE_CAS_MISMATCH, "cas ", c->key.s, ": value differs from expect");
    }
    synod_set(c->key.s.data, c->key.s.len, c->value.s.data, c->value.s.len);
    synod_output(ok_json, sizeof ok_json - 1);
    return 0;
}

/* op_is reports whether the command's op is name. */
static bool op_is(const kv_command *c, const char *name) {
    size_t n = strlen(name);
    return c->op.s.len == n && memcmp(c->op.s.data, name, n) == 0;
}

/* decode decodes a command, or sets error 400 and returns false. */
static bool decode(const uint8_t *b, size_t n, kv_command *c) {
    kv_decode_error err;
    synod_buf msg = SYNOD_BUF_INIT;
    if (!kv_decode(b, n, c, &err)) {
        synod_buf_append_str(&msg, "bad command: ");
        synod_buf_append_str(&msg, err.what);
        synod_buf_append_str(&msg, " at offset ");
        synod_buf_append_int(&msg, (int64_t)err.offset);
    } else if (c->op.s.len == 0) {
        synod_buf_append_str(&msg, "bad command: missing op");
    } else {
        return true;
    }
    fail_msg(CODE_BAD_COMMAND, &msg);
    return false;
}

/* read_op answers get and list, which are queries and updates alike; it
 * returns -1 for another op. */
static int32_t read_op(const kv_command *c) {
    if (op_is(c, "get")) return get(c);
    if (op_is(c, "list")) return list(c);
    return -1;
}

/* is_write reports whether the command's op is one of the writes. */
static bool is_write(const kv_command *c) {
    return op_is(c, "put") || op_is(c, "delete") || op_is(c, "cas") ||
           op_is(c, "put_then_fail") || op_is(c, "put_then_trap");
}

/* apply runs the command c as an update. */
static int32_t apply(const kv_command *c) {
    int32_t ret = read_op(c);
    if (ret >= 0) return ret;
    if (op_is(c, "put")) return put(c);
    if (op_is(c, "delete")) return del(c);
    if (op_is(c, "cas")) return cas(c);
    if (op_is(c, "put_then_fail")) {
        return put(c) != 0 ? CODE_BAD_COMMAND
                           : synod_error_str(CODE_FAILED, "put_then_fail: failing after the write, as asked");
    }
    if (op_is(c, "put_then_trap")) {
        if (put(c) != 0) return CODE_BAD_COMMAND;
        __builtin_trap(); /* put_then_trap: trapping after the write, as asked */
    }
    return fail_quoted(CODE_BAD_COMMAND, "unknown op ", c->op.s, "");
}

int32_t synod_on_update(const uint8_t *command, size_t len) {
    kv_command c;
    int32_t ret = decode(command, len, &c) ? apply(&c) : CODE_BAD_COMMAND;
    kv_command_free(&c);
    return ret;
}

int32_t synod_on_query(const uint8_t *query, size_t len) {
    kv_command c;
    int32_t ret = CODE_BAD_COMMAND;
    if (decode(query, len, &c)) {
        ret = read_op(&c);
        if (ret < 0) {
            ret = is_write(&c) ? fail_quoted(CODE_BAD_COMMAND, "op ", c.op.s,
                                             " writes: propose it as an update, not a query")
                               : fail_quoted(CODE_BAD_COMMAND, "unknown op ", c.op.s, "");
        }
    }
    kv_command_free(&c);
    return ret;
}
