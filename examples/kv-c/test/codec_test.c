/*
 * codec_test.c: unit tests of kv-c's JSON codec (decode.c, encode.c,
 * utf8.c), compiled and run natively: `make test-guest-c`. Each case's
 * expectation is what the Go kv (examples/kv), and so encoding/json, does
 * with the same bytes.
 */
#include <stdio.h>
#include <string.h>

#include "../command.h"
#include "../encode.h"
#include "../utf8.h"

/* S gives a string literal with its length, NUL bytes included. */
#define S(lit) {(const uint8_t *)(lit), sizeof(lit) - 1}
/* NONE is an absent field. */
#define NONE {NULL, (size_t)-1}

/* want is a field's expected contents; len (size_t)-1 means absent. */
typedef struct want {
    const uint8_t *data;
    size_t len;
} want;

typedef struct decode_case {
    const char *name;
    want in;
    want op, key, value, expect, prefix;
    int64_t limit;
} decode_case;

static const decode_case decode_cases[] = {
    {"put", S("{\"op\":\"put\",\"key\":\"a\",\"value\":\"1\"}"), S("put"), S("a"), S("1"), NONE, NONE, 0},
    {"white space", S(" { \"op\" : \"get\" ,\n\t\"key\" : \"w\" } \r\n"), S("get"), S("w"), NONE, NONE, NONE, 0},
    {"empty object", S("{}"), NONE, NONE, NONE, NONE, NONE, 0},
    {"empty strings", S("{\"key\":\"\",\"value\":\"\"}"), NONE, S(""), S(""), NONE, NONE, 0},
    {"short escapes", S("{\"key\":\"q\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"), NONE, S("q\"\\/\b\f\n\r\t"), NONE, NONE, NONE, 0},
    {"u escape", S("{\"key\":\"\\u00e9\\u65E5\"}"), NONE, S("\xc3\xa9\xe6\x97\xa5"), NONE, NONE, NONE, 0},
    {"u escape of NUL", S("{\"key\":\"\\u0000\"}"), NONE, S("\0"), NONE, NONE, NONE, 0},
    {"surrogate pair", S("{\"key\":\"\\ud83d\\ude00\\uD83D\\uDE00\"}"), NONE, S("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), NONE, NONE, NONE, 0},
    {"lone high surrogate", S("{\"key\":\"\\ud800x\"}"), NONE, S("\xef\xbf\xbdx"), NONE, NONE, NONE, 0},
    {"lone low surrogate", S("{\"key\":\"\\udc00\"}"), NONE, S("\xef\xbf\xbd"), NONE, NONE, NONE, 0},
    {"two high surrogates", S("{\"key\":\"\\ud800\\ud800\"}"), NONE, S("\xef\xbf\xbd\xef\xbf\xbd"), NONE, NONE, NONE, 0},
    {"high surrogate then BMP escape", S("{\"key\":\"\\ud800\\u0041\"}"), NONE, S("\xef\xbf\xbd" "A"), NONE, NONE, NONE, 0},
    {"high surrogate then a short escape", S("{\"key\":\"\\ud800\\n\"}"), NONE, S("\xef\xbf\xbd\n"), NONE, NONE, NONE, 0},
    {"invalid byte", S("{\"key\":\"a\xff" "b\"}"), NONE, S("a\xef\xbf\xbd" "b"), NONE, NONE, NONE, 0},
    {"truncated sequence", S("{\"key\":\"\xe2\x82" "a\"}"), NONE, S("\xef\xbf\xbd\xef\xbf\xbd" "a"), NONE, NONE, NONE, 0},
    {"UTF-8 surrogate", S("{\"key\":\"\xed\xa0\x80\"}"), NONE, S("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"), NONE, NONE, NONE, 0},
    {"overlong", S("{\"key\":\"\xc0\xaf\"}"), NONE, S("\xef\xbf\xbd\xef\xbf\xbd"), NONE, NONE, NONE, 0},
    {"above U+10FFFF", S("{\"key\":\"\xf4\x90\x80\x80\"}"), NONE, S("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"), NONE, NONE, NONE, 0},
    {"invalid byte and escape", S("{\"key\":\"\xff\\n\"}"), NONE, S("\xef\xbf\xbd\n"), NONE, NONE, NONE, 0},
    {"U+FFFD as it is", S("{\"key\":\"\xef\xbf\xbd\"}"), NONE, S("\xef\xbf\xbd"), NONE, NONE, NONE, 0},
    {"DEL as it is", S("{\"key\":\"\x7f\"}"), NONE, S("\x7f"), NONE, NONE, NONE, 0},
    {"long plain", S("{\"key\":\"0123456789abcdefghijklmnopqrstuvwxyz\"}"), NONE, S("0123456789abcdefghijklmnopqrstuvwxyz"), NONE, NONE, NONE, 0},
    {"long with HTML", S("{\"key\":\"01234567<9abcdef&ghijklmn>\"}"), NONE, S("01234567<9abcdef&ghijklmn>"), NONE, NONE, NONE, 0},
    {"long with an escape", S("{\"key\":\"0123456789abcdefg\\nhijklmnop\"}"), NONE, S("0123456789abcdefg\nhijklmnop"), NONE, NONE, NONE, 0},
    {"long with UTF-8", S("{\"key\":\"0123456\xc3\xa9" "789abcdef\xf0\x9f\x98\x80\"}"), NONE, S("0123456\xc3\xa9" "789abcdef\xf0\x9f\x98\x80"), NONE, NONE, NONE, 0},
    {"long with invalid UTF-8", S("{\"key\":\"012345678\xff" "abcdefgh\"}"), NONE, S("012345678\xef\xbf\xbd" "abcdefgh"), NONE, NONE, NONE, 0},
    {"upper-case names", S("{\"OP\":\"get\",\"Key\":\"a\",\"VALUE\":\"v\",\"eXpEcT\":\"e\",\"Prefix\":\"p\",\"LIMIT\":3}"), S("get"), S("a"), S("v"), S("e"), S("p"), 3},
    {"Kelvin sign escaped", S("{\"\\u212aey\":\"a\"}"), NONE, S("a"), NONE, NONE, NONE, 0},
    {"Kelvin sign", S("{\"\xe2\x84\xaa" "EY\":\"a\"}"), NONE, S("a"), NONE, NONE, NONE, 0},
    {"escaped name", S("{\"\\u006fp\":\"get\"}"), S("get"), NONE, NONE, NONE, NONE, 0},
    {"later duplicate wins", S("{\"key\":\"a\",\"KEY\":\"b\"}"), NONE, S("b"), NONE, NONE, NONE, 0},
    {"null clears key value expect", S("{\"key\":\"a\",\"key\":null,\"value\":\"v\",\"value\":null,\"expect\":\"e\",\"expect\":null}"), NONE, NONE, NONE, NONE, NONE, 0},
    {"null leaves op prefix limit", S("{\"op\":\"list\",\"op\":null,\"prefix\":\"p\",\"prefix\":null,\"limit\":7,\"limit\":null}"), S("list"), NONE, NONE, NONE, S("p"), 7},
    {"negative zero limit", S("{\"limit\":-0}"), NONE, NONE, NONE, NONE, NONE, 0},
    {"negative limit", S("{\"limit\":-5}"), NONE, NONE, NONE, NONE, NONE, -5},
    {"largest limit", S("{\"limit\":9223372036854775807}"), NONE, NONE, NONE, NONE, NONE, INT64_MAX},
    {"smallest limit", S("{\"limit\":-9223372036854775808}"), NONE, NONE, NONE, NONE, NONE, INT64_MIN},
};

/* rejected_case is a command the decoder must reject. */
typedef struct rejected_case {
    const char *name;
    want in;
} rejected_case;

static const rejected_case rejected_cases[] = {
    {"empty input", S("")},
    {"only white space", S(" \n")},
    {"null", S("null")},
    {"array", S("[]")},
    {"string", S("\"op\"")},
    {"unclosed object", S("{")},
    {"unclosed member", S("{\"op\":\"put\"")},
    {"unclosed string", S("{\"op\":\"pu")},
    {"trailing data", S("{\"op\":\"put\"} x")},
    {"two objects", S("{}{}")},
    {"trailing NUL", S("{}\0")},
    {"trailing comma", S("{\"op\":\"put\",}")},
    {"missing colon", S("{\"op\" \"put\"}")},
    {"single quotes", S("{'op':'put'}")},
    {"unknown field", S("{\"extra\":1}")},
    {"near a field name", S("{\"keys\":\"a\"}")},
    {"prefix of a field name", S("{\"ke\":\"a\"}")},
    {"number for a string", S("{\"key\":1}")},
    {"bool for a string", S("{\"op\":true}")},
    {"object for a string", S("{\"key\":{}}")},
    {"array for a string", S("{\"value\":[]}")},
    {"bad escape", S("{\"key\":\"\\x\"}")},
    {"short u escape", S("{\"key\":\"\\u12\"}")},
    {"bad hex digit", S("{\"key\":\"\\u12g4\"}")},
    {"bad hex after a high surrogate", S("{\"key\":\"\\ud800\\u12g4\"}")},
    {"raw control character", S("{\"key\":\"a\nb\"}")},
    {"bad literal", S("{\"op\":tru}")},
    {"leading zero", S("{\"limit\":01}")},
    {"lone minus", S("{\"limit\":-}")},
    {"fraction without digits", S("{\"limit\":1.}")},
    {"fraction", S("{\"limit\":1.0}")},
    {"exponent", S("{\"limit\":1e2}")},
    {"limit too large", S("{\"limit\":9223372036854775808}")},
    {"limit too small", S("{\"limit\":-9223372036854775809}")},
    {"string for limit", S("{\"limit\":\"5\"}")},
    {"bad number for another field", S("{\"key\":1.}")},
};

typedef struct encode_case {
    const char *name;
    want in;
    want out;
} encode_case;

static const encode_case encode_cases[] = {
    {"plain", S("abc"), S("\"abc\"")},
    {"empty", S(""), S("\"\"")},
    {"HTML", S("<a>&"), S("\"\\u003ca\\u003e\\u0026\"")},
    {"short escapes", S("\"\\\b\f\n\r\t/"), S("\"\\\"\\\\\\b\\f\\n\\r\\t/\"")},
    {"controls", S("\0\x01\x1f\x7f"), S("\"\\u0000\\u0001\\u001f\x7f\"")},
    {"line and paragraph separators", S("a\xe2\x80\xa8" "b\xe2\x80\xa9"), S("\"a\\u2028b\\u2029\"")},
    {"valid UTF-8", S("\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xef\xbf\xbd"), S("\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xef\xbf\xbd\"")},
    {"invalid byte", S("a\xff" "b"), S("\"a\\ufffdb\"")},
    {"truncated sequence", S("\xe2\x82" "a"), S("\"\\ufffd\\ufffda\"")},
    {"truncated at the end", S("a\xf0\x9f\x98"), S("\"a\\ufffd\\ufffd\\ufffd\"")},
    {"UTF-8 surrogate", S("\xed\xa0\x80"), S("\"\\ufffd\\ufffd\\ufffd\"")},
    {"long plain", S("0123456789abcdef"), S("\"0123456789abcdef\"")},
    {"long with escapes", S("01234567<9abcdef&ghijklm\n"), S("\"01234567\\u003c9abcdef\\u0026ghijklm\\n\"")},
    {"long with invalid UTF-8", S("01234567\xff" "89"), S("\"01234567\\ufffd89\"")},
    {"separator across a word", S("0123456\xe2\x80\xa8" "abcdefgh"), S("\"0123456\\u2028abcdefgh\"")},
    {"DEL in a word", S("0123\x7f" "567"), S("\"0123\x7f" "567\"")},
};

static int failures;

/* The number of random commands test_random tries: half a second's worth
 * under the sanitizers. */
#define RANDOM_COMMANDS 50000

/* check_field compares a decoded field with its expectation. */
static void check_field(const char *test, const char *field, kv_field got, want w) {
    bool present = w.len != (size_t)-1;
    if (got.present != present ||
        (present && (got.s.len != w.len || (w.len > 0 && memcmp(got.s.data, w.data, w.len) != 0)))) {
        printf("FAIL decode %s: field %s: got %s%.*s, want %s%.*s\n", test, field,
               got.present ? "" : "(absent)", (int)got.s.len, (const char *)got.s.data,
               present ? "" : "(absent)", present ? (int)w.len : 0, (const char *)w.data);
        failures++;
    }
}

static void test_decode(const decode_case *tc) {
    kv_command c;
    kv_decode_error err = {0};
    if (!kv_decode(tc->in.data, tc->in.len, &c, &err)) {
        printf("FAIL decode %s: %s at offset %zu\n", tc->name, err.what, err.offset);
        failures++;
    } else {
        check_field(tc->name, "op", c.op, tc->op);
        check_field(tc->name, "key", c.key, tc->key);
        check_field(tc->name, "value", c.value, tc->value);
        check_field(tc->name, "expect", c.expect, tc->expect);
        /* An absent prefix reads as an empty one, so NONE wants "". */
        check_field(tc->name, "prefix", (kv_field){c.prefix.s, c.prefix.present || c.prefix.s.len == 0},
                    tc->prefix.len == (size_t)-1 ? (want)S("") : tc->prefix);
        if (c.limit != tc->limit) {
            printf("FAIL decode %s: limit: got %lld, want %lld\n", tc->name, (long long)c.limit,
                   (long long)tc->limit);
            failures++;
        }
    }
    kv_command_free(&c);
}

static void test_rejected(const rejected_case *tc) {
    kv_command c;
    kv_decode_error err = {0};
    if (kv_decode(tc->in.data, tc->in.len, &c, &err)) {
        printf("FAIL reject %s: decoded, want an error\n", tc->name);
        failures++;
    } else if (err.what == NULL || err.offset > tc->in.len) {
        printf("FAIL reject %s: error not described\n", tc->name);
        failures++;
    }
    kv_command_free(&c);
}

static void test_encode(const encode_case *tc) {
    synod_buf b = SYNOD_BUF_INIT;
    json_append_string(&b, tc->in.data, tc->in.len);
    if (b.len != tc->out.len || memcmp(b.data, tc->out.data, b.len) != 0) {
        printf("FAIL encode %s: got %.*s, want %.*s\n", tc->name, (int)b.len, (const char *)b.data,
               (int)tc->out.len, (const char *)tc->out.data);
        failures++;
    }
    synod_buf_free(&b);
}

/* test_results checks the results get and list write. */
static void test_results(void) {
    static const struct {
        const char *name;
        synod_bytes key, value;
        bool found, item;
        want out;
    } cases[] = {
        {"get found", S("a"), S("1"), true, false, S("{\"key\":\"a\",\"value\":\"1\",\"found\":true}")},
        {"get found empty", S("b"), S(""), true, false, S("{\"key\":\"b\",\"value\":\"\",\"found\":true}")},
        {"get missing", S("<"), {NULL, 0}, false, false, S("{\"key\":\"\\u003c\",\"found\":false}")},
        {"item", S("k"), S("\n"), false, true, S("{\"key\":\"k\",\"value\":\"\\n\"}")},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        synod_buf b = SYNOD_BUF_INIT;
        if (cases[i].item) {
            json_append_item(&b, cases[i].key, cases[i].value);
        } else {
            json_append_get_result(&b, cases[i].key, cases[i].value, cases[i].found);
        }
        if (b.len != cases[i].out.len || memcmp(b.data, cases[i].out.data, b.len) != 0) {
            printf("FAIL result %s: got %.*s, want %.*s\n", cases[i].name, (int)b.len,
                   (const char *)b.data, (int)cases[i].out.len, (const char *)cases[i].out.data);
            failures++;
        }
        synod_buf_free(&b);
    }
}

/* The random commands' pieces: in strings, and anywhere. */
static const char *const string_pieces[] = {
    "a", "abcdefgh", "<", "&", ">", "\x7f", "\xff", "\xc3\xa9", "\xe2\x82", "\xed\xa0\x80", "\xe2\x80\xa8",
    "\xf0\x9f\x98\x80", "\xe2\x84\xaa", "\xef\xbf\xbd", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9",
    "\\u0000", "\\u001f", "\\u2028", "\\ud83d", "\\ude00", "\\ud83d\\ude00", "\\uDBFF\\uDFFF",
};
static const char *const names[] = {"op", "key", "value", "expect", "prefix", "limit", "KEY", "\\u212aey"};
static const char *const others[] = {"null", "1", "-0", "1.5", "[]", "{}", "true", "\\", "\\u12", "\x01", ""};

/* pick returns a random element of an array. */
#define pick(a) ((a)[rng() % (sizeof(a) / sizeof((a)[0]))])

/* rng is a xorshift64 generator: the same cases on every run. */
static uint64_t rng(void) {
    static uint64_t x = 0x9E3779B97F4A7C15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

/* valid_utf8 reports whether s is valid UTF-8. */
static bool valid_utf8(synod_bytes s) {
    for (size_t i = 0; i < s.len;) {
        uint32_t r;
        size_t size = utf8_decode(s.data + i, s.len - i, &r);
        if (size == 1 && s.data[i] >= 0x80) {
            return false;
        }
        i += size;
    }
    return true;
}

/* check_round_trip checks that a decoded string, which is valid UTF-8,
 * encodes to a JSON string with no raw control character that decodes
 * back to it. */
static void check_round_trip(const char *what, synod_bytes s) {
    if (!valid_utf8(s)) {
        printf("FAIL random: a decoded %s is not valid UTF-8\n", what);
        failures++;
        return;
    }
    synod_buf cmd = SYNOD_BUF_INIT;
    synod_buf_append_str(&cmd, "{\"key\":");
    json_append_string(&cmd, s.data, s.len);
    synod_buf_append_byte(&cmd, '}');
    for (size_t i = 0; i < cmd.len; i++) {
        if (cmd.data[i] < 0x20) {
            printf("FAIL random: %s encoded with a raw control character\n", what);
            failures++;
            break;
        }
    }
    kv_command c;
    kv_decode_error err;
    if (!kv_decode(cmd.data, cmd.len, &c, &err) || c.key.s.len != s.len ||
        (s.len > 0 && memcmp(c.key.s.data, s.data, s.len) != 0)) {
        printf("FAIL random: %s does not survive encoding and decoding: %.*s\n", what, (int)cmd.len,
               (const char *)cmd.data);
        failures++;
    }
    kv_command_free(&c);
    synod_buf_free(&cmd);
}

/* random_command appends a random command to in: an object of string
 * members, now and then with a piece of something else inserted. */
static void random_command(synod_buf *in) {
    synod_buf_append_byte(in, '{');
    size_t members = rng() % 5;
    for (size_t m = 0; m < members; m++) {
        if (m > 0) {
            synod_buf_append_byte(in, ',');
        }
        synod_buf_append_byte(in, '"');
        synod_buf_append_str(in, pick(names));
        synod_buf_append_str(in, "\":\"");
        for (size_t j = rng() % 6; j > 0; j--) {
            synod_buf_append_str(in, pick(string_pieces));
        }
        synod_buf_append_byte(in, '"');
        if (rng() % 8 == 0) {
            synod_buf_append_str(in, pick(others));
        }
    }
    synod_buf_append_byte(in, '}');
}

/* test_random decodes random commands (under the sanitizers, so that a
 * read out of bounds fails), and round-trips the strings of those it
 * accepts. It returns how many it accepted. */
static size_t test_random(size_t n) {
    size_t accepted = 0;
    for (size_t i = 0; i < n; i++) {
        synod_buf in = SYNOD_BUF_INIT;
        random_command(&in);
        kv_command c;
        kv_decode_error err;
        if (kv_decode(in.data, in.len, &c, &err)) {
            accepted++;
            const kv_field *fields[] = {&c.op, &c.key, &c.value, &c.expect, &c.prefix};
            for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
                check_round_trip("field", fields[f]->s);
            }
        } else if (err.what == NULL || err.offset > in.len) {
            printf("FAIL random: an error not described\n");
            failures++;
        }
        kv_command_free(&c);
        synod_buf_free(&in);
    }
    return accepted;
}

int main(void) {
    size_t n = 0;
    for (size_t i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++, n++) {
        test_decode(&decode_cases[i]);
    }
    for (size_t i = 0; i < sizeof rejected_cases / sizeof rejected_cases[0]; i++, n++) {
        test_rejected(&rejected_cases[i]);
    }
    for (size_t i = 0; i < sizeof encode_cases / sizeof encode_cases[0]; i++, n++) {
        test_encode(&encode_cases[i]);
    }
    test_results();
    n += 4;
    size_t accepted = test_random(RANDOM_COMMANDS);
    printf("codec_test: %zu of %d random commands accepted, their strings round-tripped\n", accepted,
           RANDOM_COMMANDS);
    if (failures > 0) {
        printf("codec_test: %d of %zu cases failed\n", failures, n);
        return 1;
    }
    printf("codec_test: %zu cases passed\n", n);
    return 0;
}
