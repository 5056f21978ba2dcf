/*
 * encode.c: kv's results, byte for byte as encoding/json writes them.
 */
#include "encode.h"

#include "plain.h"
#include "utf8.h"

/* append_ascii_escape appends the escape of c, an ASCII byte that is not
 * plain. */
static void append_ascii_escape(synod_buf *b, uint8_t c) {
    static const char hex[] = "0123456789abcdef";
    char esc = 0;
    switch (c) {
    case '"': esc = '"'; break;
    case '\\': esc = '\\'; break;
    case '\b': esc = 'b'; break;
    case '\f': esc = 'f'; break;
    case '\n': esc = 'n'; break;
    case '\r': esc = 'r'; break;
    case '\t': esc = 't'; break;
    }
    if (esc != 0) {
        uint8_t two[2] = {'\\', (uint8_t)esc};
        synod_buf_append(b, two, 2);
        return;
    }
    uint8_t six[6] = {'\\', 'u', '0', '0', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 0xF]};
    synod_buf_append(b, six, 6);
}

void json_append_string(synod_buf *b, const uint8_t *s, size_t n) {
    synod_buf_append_byte(b, '"');
    size_t start = 0; /* s[start, i) is still to be appended as it is */
    for (size_t i = plain_prefix(s, n); i < n; i += plain_prefix(s + i, n - i)) {
        uint8_t c = s[i];
        if (c < 0x80) {
            synod_buf_append(b, s + start, i - start);
            append_ascii_escape(b, c);
            i++;
            start = i;
            continue;
        }
        uint32_t r;
        size_t size = utf8_decode(s + i, n - i, &r);
        if (size == 1) {
            synod_buf_append(b, s + start, i - start);
            synod_buf_append_str(b, "\\ufffd");
            start = i + 1;
        } else if (r == 0x2028 || r == 0x2029) {
            synod_buf_append(b, s + start, i - start);
            synod_buf_append_str(b, r == 0x2028 ? "\\u2028" : "\\u2029");
            start = i + size;
        }
        i += size;
    }
    synod_buf_append(b, s + start, n - start);
    synod_buf_append_byte(b, '"');
}

void json_append_get_result(synod_buf *b, synod_bytes key, synod_bytes value, bool found) {
    synod_buf_append_str(b, "{\"key\":");
    json_append_string(b, key.data, key.len);
    if (found) {
        synod_buf_append_str(b, ",\"value\":");
        json_append_string(b, value.data, value.len);
    }
    synod_buf_append_str(b, found ? ",\"found\":true}" : ",\"found\":false}");
}

void json_append_item(synod_buf *b, synod_bytes key, synod_bytes value) {
    synod_buf_append_str(b, "{\"key\":");
    json_append_string(b, key.data, key.len);
    synod_buf_append_str(b, ",\"value\":");
    json_append_string(b, value.data, value.len);
    synod_buf_append_byte(b, '}');
}
