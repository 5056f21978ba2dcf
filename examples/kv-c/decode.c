/*
 * decode.c: reads kv's commands from JSON, accepting exactly what the Go
 * kv's decoder (examples/kv/decode.go), and so encoding/json, accepts.
 */
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "plain.h"
#include "utf8.h"

/* decoder reads a JSON text from buf (n bytes); pos is the offset of the
 * next byte. */
typedef struct decoder {
    const uint8_t *buf;
    size_t n;
    size_t pos;
    kv_command *c;
    kv_decode_error *err;
} decoder;

/* kind is the kind of a JSON value. */
typedef enum kind { KIND_STRING, KIND_NUMBER, KIND_BOOL, KIND_NULL, KIND_OBJECT, KIND_ARRAY } kind;

/* value is one JSON value as the decoder read it: a string's unescaped
 * contents, or a number's literal. Objects and arrays are left unread: no
 * field takes one, so they are rejected. */
typedef struct value {
    kind kind;
    synod_bytes text;
} value;

/* fail records the error at pos: what, or the end of the input if pos is
 * there. It returns false, for the caller to return. */
static bool fail(decoder *d, const char *what) {
    d->err->what = d->pos == d->n ? "unexpected end of JSON input" : what;
    d->err->offset = d->pos;
    return false;
}

static void skip_space(decoder *d) {
    while (d->pos < d->n) {
        uint8_t c = d->buf[d->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return;
        }
        d->pos++;
    }
}

/* skip reads c if it is the next byte, and reports whether it was. */
static bool skip(decoder *d, uint8_t c) {
    if (d->pos < d->n && d->buf[d->pos] == c) {
        d->pos++;
        return true;
    }
    return false;
}

/* consume reads c, which must be the next byte; want names it for the
 * error. */
static bool consume(decoder *d, uint8_t c, const char *want) {
    return skip(d, c) || fail(d, want);
}

/* arena_end returns where the next unescaped string starts. The arena
 * holds every unescaped string of the command: each byte of the command
 * becomes at most 3 bytes of them (an invalid byte becomes U+FFFD), so 3
 * bytes for each of the command's is room enough, and the arena never
 * moves. */
static uint8_t *arena_end(decoder *d) {
    if (d->c->arena == NULL) {
        d->c->arena = malloc(3 * d->n + 1);
        if (d->c->arena == NULL) {
            __builtin_trap(); /* out of memory: see synod.h */
        }
    }
    return d->c->arena + d->c->arena_len;
}

/* hex4 reads the four hex digits of a \uXXXX escape into *r. */
static bool hex4(decoder *d, uint32_t *r) {
    if (d->n - d->pos < 4) {
        d->pos = d->n;
        return fail(d, "");
    }
    *r = 0;
    for (int i = 0; i < 4; i++, d->pos++) {
        uint8_t c = d->buf[d->pos];
        if ('0' <= c && c <= '9') {
            c -= '0';
        } else if ('a' <= c && c <= 'f') {
            c -= 'a' - 10;
        } else if ('A' <= c && c <= 'F') {
            c -= 'A' - 10;
        } else {
            return fail(d, "invalid character, looking for a hex digit in a \\u escape");
        }
        *r = *r << 4 | c;
    }
    return true;
}

/* surrogate_pair reads the \uXXXX escape that completes the UTF-16
 * surrogate r and returns the pair's code point. As in encoding/json, if
 * no escape follows that makes a valid pair with r, r becomes U+FFFD and
 * what follows is left to be read on its own. */
static uint32_t surrogate_pair(decoder *d, uint32_t r) {
    if (r >= 0xDC00 || d->n - d->pos < 2 || d->buf[d->pos] != '\\' || d->buf[d->pos + 1] != 'u') {
        return UTF8_REPLACEMENT;
    }
    decoder next = *d;
    kv_decode_error ignored;
    next.err = &ignored;
    next.pos += 2;
    uint32_t r2;
    if (!hex4(&next, &r2) || r2 < 0xDC00 || r2 > 0xDFFF) {
        return UTF8_REPLACEMENT;
    }
    d->pos = next.pos;
    return 0x10000 + ((r - 0xD800) << 10 | (r2 - 0xDC00));
}

/* escape reads one escape sequence, at pos, and appends what it stands
 * for at *out. */
static bool escape(decoder *d, uint8_t **out) {
    d->pos++; /* the backslash */
    if (d->pos == d->n) {
        return fail(d, "");
    }
    uint8_t c = d->buf[d->pos++];
    uint8_t short_escape = 0;
    switch (c) {
    case '"': case '\\': case '/': short_escape = c; break;
    case 'b': short_escape = '\b'; break;
    case 'f': short_escape = '\f'; break;
    case 'n': short_escape = '\n'; break;
    case 'r': short_escape = '\r'; break;
    case 't': short_escape = '\t'; break;
    case 'u': {
        uint32_t r;
        if (!hex4(d, &r)) {
            return false;
        }
        if (0xD800 <= r && r <= 0xDFFF) {
            r = surrogate_pair(d, r);
        }
        *out += utf8_encode(r, *out);
        return true;
    }
    default:
        d->pos -= 2;
        return fail(d, "invalid escape sequence in string");
    }
    *(*out)++ = short_escape;
    return true;
}

/* unescape reads the rest of the string that starts at start, plain up to
 * pos, into the arena: escapes unescaped, each byte of invalid UTF-8 as
 * U+FFFD. */
static bool unescape(decoder *d, size_t start, synod_bytes *s) {
    uint8_t *begin = arena_end(d), *out = begin;
    memcpy(out, d->buf + start, d->pos - start);
    out += d->pos - start;
    while (d->pos < d->n) {
        uint8_t c = d->buf[d->pos];
        if (c == '"') {
            d->pos++;
            *s = (synod_bytes){begin, (size_t)(out - begin)};
            d->c->arena_len += (size_t)(out - begin);
            return true;
        }
        if (c == '\\') {
            if (!escape(d, &out)) {
                return false;
            }
        } else if (c < ' ') {
            return fail(d, "invalid control character in string");
        } else {
            uint32_t r;
            size_t size = utf8_decode(d->buf + d->pos, d->n - d->pos, &r);
            if (size == 1 && c >= 0x80) {
                out += utf8_encode(UTF8_REPLACEMENT, out);
            } else {
                memcpy(out, d->buf + d->pos, size);
                out += size;
            }
            d->pos += size;
        }
    }
    return fail(d, "");
}

/* string reads a JSON string into *s: a view of buf when it has neither
 * escapes nor invalid UTF-8, else of the arena. */
static bool string(decoder *d, synod_bytes *s) {
    if (!consume(d, '"', "invalid character, looking for '\"'")) {
        return false;
    }
    size_t start = d->pos;
    for (;;) {
        d->pos += plain_prefix(d->buf + d->pos, d->n - d->pos);
        if (d->pos == d->n) {
            return fail(d, "");
        }
        uint8_t c = d->buf[d->pos];
        if (c == '"') {
            *s = (synod_bytes){d->buf + start, d->pos - start};
            d->pos++;
            return true;
        }
        if (c == '\\' || c < ' ') {
            return unescape(d, start, s);
        }
        if (c < 0x80) { /* '<', '>' or '&' */
            d->pos++;
            continue;
        }
        uint32_t r;
        size_t size = utf8_decode(d->buf + d->pos, d->n - d->pos, &r);
        if (size == 1) {
            return unescape(d, start, s);
        }
        d->pos += size;
    }
}

/* digits reads one or more decimal digits. */
static bool digits(decoder *d) {
    size_t start = d->pos;
    while (d->pos < d->n && '0' <= d->buf[d->pos] && d->buf[d->pos] <= '9') {
        d->pos++;
    }
    return d->pos > start || fail(d, "invalid character, looking for a digit");
}

/* number reads a JSON number and sets *s to its literal:
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool number(decoder *d, synod_bytes *s) {
    size_t start = d->pos;
    skip(d, '-');
    if (!skip(d, '0') && !digits(d)) {
        return false;
    }
    if (skip(d, '.') && !digits(d)) {
        return false;
    }
    if (skip(d, 'e') || skip(d, 'E')) {
        if (!skip(d, '+')) {
            skip(d, '-');
        }
        if (!digits(d)) {
            return false;
        }
    }
    *s = (synod_bytes){d->buf + start, d->pos - start};
    return true;
}

/* literal reads the literal word: true, false or null. */
static bool literal(decoder *d, const char *word) {
    for (; *word != '\0'; word++, d->pos++) {
        if (d->pos == d->n || d->buf[d->pos] != (uint8_t)*word) {
            return fail(d, "invalid character in a literal (true, false or null)");
        }
    }
    return true;
}

/* read_value reads a JSON value into *v. */
static bool read_value(decoder *d, value *v) {
    *v = (value){.kind = KIND_NULL};
    if (d->pos == d->n) {
        return fail(d, "");
    }
    uint8_t c = d->buf[d->pos];
    switch (c) {
    case '"': v->kind = KIND_STRING; return string(d, &v->text);
    case 't': v->kind = KIND_BOOL; return literal(d, "true");
    case 'f': v->kind = KIND_BOOL; return literal(d, "false");
    case 'n': v->kind = KIND_NULL; return literal(d, "null");
    case '{': v->kind = KIND_OBJECT; return true;
    case '[': v->kind = KIND_ARRAY; return true;
    }
    if (c == '-' || ('0' <= c && c <= '9')) {
        v->kind = KIND_NUMBER;
        return number(d, &v->text);
    }
    return fail(d, "invalid character, looking for a value");
}

/* parse_int parses a number's literal as Go's strconv.Atoi does on a
 * 64-bit machine: an integer within int64's range, with no fraction or
 * exponent. */
static bool parse_int(synod_bytes s, int64_t *n) {
    size_t i = 0;
    bool negative = s.len > 0 && s.data[0] == '-';
    i += negative;
    uint64_t max = negative ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1, u = 0;
    if (i == s.len) {
        return false;
    }
    for (; i < s.len; i++) {
        uint8_t c = s.data[i];
        if (c < '0' || c > '9' || u > (max - (c - '0')) / 10) {
            return false;
        }
        u = u * 10 + (c - '0');
    }
    *n = negative ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* fold_equal reports whether name equals field (lower-case ASCII letters)
 * under Unicode simple case folding, as Go's strings.EqualFold: besides
 * the ASCII upper-case letters, only the Kelvin sign (U+212A) folds to one
 * of the fields' letters (k). */
static bool fold_equal(synod_bytes name, const char *field) {
    size_t i = 0;
    for (; *field != '\0'; field++) {
        if (i == name.len) {
            return false;
        }
        uint32_t r;
        i += utf8_decode(name.data + i, name.len - i, &r);
        uint32_t f = (uint8_t)*field;
        if (r != f && r != f - ('a' - 'A') && !(r == 0x212A && f == 'k')) {
            return false;
        }
    }
    return i == name.len;
}

/* store_string stores v, a string, in f; null leaves f alone, as
 * encoding/json leaves a string field. */
static bool store_string(decoder *d, value v, kv_field *f) {
    if (v.kind == KIND_STRING) {
        *f = (kv_field){v.text, true};
    }
    return v.kind == KIND_STRING || v.kind == KIND_NULL || fail(d, "field must be a string");
}

/* store_optional stores v, a string or null, in f; null clears f, as
 * encoding/json clears a pointer field. */
static bool store_optional(decoder *d, value v, kv_field *f) {
    if (v.kind == KIND_STRING || v.kind == KIND_NULL) {
        *f = (kv_field){v.text, v.kind == KIND_STRING};
        return true;
    }
    return fail(d, "field must be a string or null");
}

/* store_int stores v, an integer, in *n; null leaves it alone, as
 * encoding/json leaves an int field. */
static bool store_int(decoder *d, value v, int64_t *n) {
    switch (v.kind) {
    case KIND_NUMBER:
        return parse_int(v.text, n) || fail(d, "field limit must be an integer");
    case KIND_NULL:
        return true;
    default:
        return fail(d, "field limit must be an integer");
    }
}

/* set stores v in the field of the command that name names. */
static bool set(decoder *d, synod_bytes name, value v) {
    kv_command *c = d->c;
    if (fold_equal(name, "op")) return store_string(d, v, &c->op);
    if (fold_equal(name, "key")) return store_optional(d, v, &c->key);
    if (fold_equal(name, "value")) return store_optional(d, v, &c->value);
    if (fold_equal(name, "expect")) return store_optional(d, v, &c->expect);
    if (fold_equal(name, "prefix")) return store_string(d, v, &c->prefix);
    if (fold_equal(name, "limit")) return store_int(d, v, &c->limit);
    return fail(d, "unknown field");
}

/* member reads one member of an object: a name, a colon and a value. */
static bool member(decoder *d) {
    skip_space(d);
    synod_bytes name;
    if (!string(d, &name)) {
        return false;
    }
    skip_space(d);
    if (!consume(d, ':', "invalid character, looking for ':' after an object key")) {
        return false;
    }
    skip_space(d);
    value v;
    return read_value(d, &v) && set(d, name, v);
}

/* object reads a JSON object into the command. */
static bool object(decoder *d) {
    skip_space(d);
    if (!consume(d, '{', "invalid character, looking for '{'")) {
        return false;
    }
    skip_space(d);
    if (skip(d, '}')) {
        return true;
    }
    for (;;) {
        if (!member(d)) {
            return false;
        }
        skip_space(d);
        if (skip(d, '}')) {
            return true;
        }
        if (!consume(d, ',', "invalid character, looking for ',' or '}' after an object member")) {
            return false;
        }
    }
}

bool kv_decode(const uint8_t *buf, size_t n, kv_command *c, kv_decode_error *err) {
    *c = (kv_command){0};
    decoder d = {buf, n, 0, c, err};
    if (!object(&d)) {
        return false;
    }
    skip_space(&d);
    if (d.pos < d.n) {
        err->what = "data after the JSON object";
        err->offset = d.pos;
        return false;
    }
    return true;
}

void kv_command_free(kv_command *c) {
    free(c->arena);
    *c = (kv_command){0};
}
