/*
 * kit_test.c: unit tests of the kit (synod.c, synod_store.c,
 * synod_scan.c, synod_buf.c), compiled natively against the in-memory
 * host of fake_host.c, which follows docs/abi.md: `make test-guest-c`.
 * The scans are checked against a model, the fake's sorted entries.
 */
#include <stdio.h>
#include <string.h>

#include "fake_host.h"
#include "synod.h"

/* The exports of synod.c, which synod.h does not declare. */
int32_t synod_abi_version(void);
uint8_t *synod_alloc(uint32_t size);
int32_t synod_update(const uint8_t *ptr, uint32_t len);
int32_t synod_query(const uint8_t *ptr, uint32_t len);

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s: ", __func__);                                                         \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* The update handler: it echoes its command, or fails with 418 on "fail".
 * This test defines no query handler, so synod.c's default answers. */
int32_t synod_on_update(const uint8_t *command, size_t len) {
    if (len == 4 && memcmp(command, "fail", 4) == 0) {
        return synod_error_str(418, "failing as asked");
    }
    synod_output(command, len);
    return 0;
}

static void put(const void *key, size_t key_len, const void *value, size_t value_len) {
    synod_set(key, key_len, value, value_len);
}

/* fill writes n bytes of c into a buffer of at least n bytes. */
static uint8_t *fill(uint8_t *buf, uint8_t c, size_t n) {
    memset(buf, c, n);
    return buf;
}

static void test_entry_points(void) {
    fake_host_reset();
    CHECK(synod_abi_version() == 1, "abi version %d", synod_abi_version());
    uint8_t *p = synod_alloc(0);
    CHECK(p != NULL, "synod_alloc(0) returned NULL");
    p = synod_alloc(5);
    memcpy(p, "hello", 5);
    CHECK(synod_update(p, 5) == 0, "update failed");
    size_t n;
    const uint8_t *out = fake_host_output(&n);
    CHECK(n == 5 && memcmp(out, "hello", 5) == 0, "output %.*s", (int)n, (const char *)out);
    p = synod_alloc(4);
    memcpy(p, "fail", 4);
    CHECK(synod_update(p, 4) == 418, "update of fail did not return 418");
    CHECK(fake_host_error(&n) == 418 && n == strlen("failing as asked"), "error code %u", fake_host_error(&n));
    CHECK(synod_query(p, 4) == 501 && fake_host_error(&n) == 501, "the default query handler did not answer 501");
    CHECK(synod_error(0, "zero", 4) == 1, "synod_error with code 0 must still fail the call");
}

static void test_get(void) {
    static uint8_t big[SYNOD_MAX_VALUE_SIZE];
    fake_host_reset();
    synod_buf v = SYNOD_BUF_INIT;
    CHECK(!synod_get("k", 1, &v) && v.len == 0, "a missing key was found");
    put("e", 1, "", 0);
    CHECK(synod_get("e", 1, &v) && v.len == 0, "an empty value was not found empty");
    put("big", 3, fill(big, 'x', sizeof big), sizeof big);
    CHECK(synod_get("big", 3, &v) && v.len == sizeof big && v.data[0] == 'x' && v.data[v.len - 1] == 'x',
          "a 1 MiB value read back as %zu bytes", v.len);
    put("s", 1, "small", 5);
    CHECK(synod_get("s", 1, &v) && v.len == 5 && memcmp(v.data, "small", 5) == 0, "a value after a large one");
    synod_delete("s", 1);
    CHECK(!synod_get("s", 1, &v), "a deleted key was found");
    synod_buf_free(&v);
}

/* check_scan scans [start, end) (end_len 0: no bound) or, if prefix, the
 * prefix start, and compares what it yields with the fake's entries in
 * that range. It stops after stop entries if stop is not 0. */
static void check_scan(const char *name, const uint8_t *start, size_t start_len, const uint8_t *end,
                       size_t end_len, bool prefix, size_t stop) {
    synod_scan it;
    if (prefix) {
        synod_scan_prefix(&it, start, start_len);
    } else {
        synod_scan_range(&it, start, start_len, end, end_len);
    }
    size_t i = 0, yielded = 0, want = 0;
    synod_bytes key, value;
    for (; i < fake_host_entries(); i++) {
        const uint8_t *k, *v;
        size_t kl, vl;
        fake_host_entry(i, &k, &kl, &v, &vl);
        size_t n = kl < start_len ? kl : start_len;
        int c = memcmp(k, start, n);
        bool in = prefix ? kl >= start_len && c == 0
                         : (c > 0 || (c == 0 && kl >= start_len)) &&
                               (end_len == 0 || memcmp(k, end, kl < end_len ? kl : end_len) < 0 ||
                                (memcmp(k, end, kl < end_len ? kl : end_len) == 0 && kl < end_len));
        if (!in) {
            continue;
        }
        if (stop != 0 && want == stop) {
            break;
        }
        want++;
        if (!synod_scan_next(&it, &key, &value)) {
            break;
        }
        yielded++;
        CHECK(key.len == kl && memcmp(key.data, k, kl) == 0 && value.len == vl &&
                  (vl == 0 || memcmp(value.data, v, vl) == 0),
              "%s: entry %zu differs from the store's entry %zu", name, yielded, i);
    }
    if (stop == 0) {
        CHECK(!synod_scan_next(&it, &key, &value), "%s: more entries than the store has", name);
    }
    CHECK(yielded == want, "%s: %zu entries, want %zu", name, yielded, want);
    synod_scan_free(&it);
}

static void test_scan(void) {
    static uint8_t key[SYNOD_MAX_KEY_SIZE];
    fake_host_reset();
    char small[16];
    for (int i = 0; i < 1100; i++) {
        int n = snprintf(small, sizeof small, "s/%05d", i);
        put(small, (size_t)n, small + 2, (size_t)n - 2);
    }
    /* 70 keys of the maximum length, so that paging past them needs the
     * prefix successor; and the greatest key there can be. */
    for (int i = 0; i < 70; i++) {
        fill(key, 'm', sizeof key)[sizeof key - 1] = (uint8_t)('0' + i);
        put(key, sizeof key, "v", 1);
    }
    put(fill(key, 0xff, sizeof key), sizeof key, "max", 3);
    put("\xff", 1, "ff", 2);
    put("\xff\x00", 2, "ff00", 4);
    put("a", 1, "", 0);

    check_scan("everything", (const uint8_t *)"", 0, NULL, 0, true, 0);
    check_scan("prefix s/", (const uint8_t *)"s/", 2, NULL, 0, true, 0);
    check_scan("prefix s/01", (const uint8_t *)"s/01", 4, NULL, 0, true, 0);
    check_scan("maximum-length keys", (const uint8_t *)"m", 1, NULL, 0, true, 0);
    check_scan("prefix 0xff, no upper bound", (const uint8_t *)"\xff", 1, NULL, 0, true, 0);
    check_scan("prefix of the greatest key", fill(key, 0xff, sizeof key), sizeof key, NULL, 0, true, 0);
    check_scan("range", (const uint8_t *)"s/00100", 7, (const uint8_t *)"s/00900", 7, false, 0);
    check_scan("range from nothing", (const uint8_t *)"", 0, (const uint8_t *)"b", 1, false, 0);
    check_scan("empty range", (const uint8_t *)"x", 1, (const uint8_t *)"y", 1, false, 0);
    check_scan("stopped early", (const uint8_t *)"s/", 2, NULL, 0, true, 3);

    /* Pages start at 64 entries and double up to the ABI's 1000; each fits
     * in the room the last one had the iterator reserve, so no call is
     * made again for a larger buffer. */
    fake_host_reset();
    for (int i = 0; i < 1100; i++) {
        int n = snprintf(small, sizeof small, "s/%05d", i);
        put(small, (size_t)n, "", 0);
    }
    check_scan("paged", (const uint8_t *)"s/", 2, NULL, 0, true, 0);
    size_t n;
    const int32_t *limits = fake_host_scan_limits(&n);
    static const int32_t want[] = {64, 128, 256, 512, 1000, 1000};
    bool same = n == sizeof want / sizeof want[0];
    for (size_t i = 0; same && i < n; i++) {
        same = limits[i] == want[i];
    }
    CHECK(same, "paged: %zu kv_scan calls, want 6 with limits 64, 128, 256, 512, 1000, 1000", n);
}

static void test_large_pages(void) {
    static uint8_t big[SYNOD_MAX_VALUE_SIZE];
    fake_host_reset();
    /* Five 1 MiB values: the host ends a page once it reaches 4 MiB. */
    for (char c = '1'; c <= '5'; c++) {
        char key[] = {'b', c};
        put(key, 2, fill(big, (uint8_t)c, sizeof big), sizeof big);
    }
    check_scan("large values", (const uint8_t *)"b", 1, NULL, 0, true, 0);
}

static void test_buf(void) {
    static const struct {
        int64_t n;
        const char *want;
    } cases[] = {{0, "0"}, {7, "7"}, {-5, "-5"}, {1000, "1000"}, {INT64_MAX, "9223372036854775807"},
                 {INT64_MIN, "-9223372036854775808"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        synod_buf b = SYNOD_BUF_INIT;
        synod_buf_append_int(&b, cases[i].n);
        CHECK(b.len == strlen(cases[i].want) && memcmp(b.data, cases[i].want, b.len) == 0,
              "append_int(%s): got %.*s", cases[i].want, (int)b.len, (const char *)b.data);
        synod_buf_free(&b);
    }
}

int main(void) {
    test_entry_points();
    test_get();
    test_scan();
    test_large_pages();
    test_buf();
    fake_host_reset();
    if (failures > 0) {
        printf("kit_test: %d checks failed\n", failures);
        return 1;
    }
    printf("kit_test: passed\n");
    return 0;
}
