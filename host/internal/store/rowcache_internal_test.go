package store

import (
	"fmt"
	"testing"
)

func TestRowCache(t *testing.T) {
	t.Parallel()
	key := func(shard uint64, k string) string { return string(userKey(shard, []byte(k))) }
	want := func(t *testing.T, c *rowCache, k, value string, absent, ok bool) {
		t.Helper()
		v, a, found := c.get([]byte(k))
		if found != ok || a != absent || string(v) != value || (found && !a && v == nil) {
			t.Errorf("get(%q) = %q (nil %v), absent %v, found %v; want %q, absent %v, found %v", k, v, v == nil, a, found, value, absent, ok)
		}
	}

	t.Run("rows are copies", func(t *testing.T) {
		c := newRowCache(1 << 20)
		buf := []byte("one")
		c.put(key(1, "a"), buf, false)
		copy(buf, "two")
		want(t, c, key(1, "a"), "one", false, true)
		c.put(key(1, "e"), nil, false) // an empty value, not an absent key
		want(t, c, key(1, "e"), "", false, true)
		c.put(key(1, "x"), nil, true)
		want(t, c, key(1, "x"), "", true, true)
	})

	t.Run("a row written again changes in place, and what get returned stays", func(t *testing.T) {
		c := newRowCache(1 << 20)
		k := key(1, "a")
		c.put(k, []byte("one"), false)
		before, _, _ := c.get([]byte(k))
		for _, w := range []struct {
			name   string
			value  string
			absent bool
		}{
			{"longer", "three", false},
			{"absent", "", true},
			{"empty", "", false},
		} {
			c.put(k, []byte(w.value), w.absent)
			want(t, c, k, w.value, w.absent, true)
			if size := len(k) + len(w.value) + rowOverhead; c.bytes != size || c.order.Len() != 1 || len(c.rows) != 1 {
				t.Errorf("%s: %d bytes in %d rows listed, %d mapped; want %d bytes in one", w.name, c.bytes, c.order.Len(), len(c.rows), size)
			}
		}
		if string(before) != "one" {
			t.Errorf("a value get returned changed to %q", before)
		}
	})

	t.Run("a row written again is the most recently used", func(t *testing.T) {
		size := len(key(1, "k00")) + 1 + rowOverhead
		c := newRowCache(16 * size) // sixteen rows, no more
		c.put(key(1, "k00"), []byte("1"), false)
		c.put(key(1, "k01"), []byte("1"), false)
		c.put(key(1, "k00"), []byte("2"), false)
		for i := 2; i <= 16; i++ { // one row too many
			c.put(key(1, fmt.Sprintf("k%02d", i)), []byte("1"), false)
		}
		want(t, c, key(1, "k00"), "2", false, true)
		want(t, c, key(1, "k01"), "", false, false)
		want(t, c, key(1, "k16"), "1", false, true)
	})

	t.Run("a row too large drops the one it replaces", func(t *testing.T) {
		c := newRowCache(16 * (rowOverhead + 64))
		c.put(key(1, "a"), []byte("small"), false)
		c.put(key(1, "a"), make([]byte, 64), false)
		want(t, c, key(1, "a"), "", false, false)
		if c.bytes != 0 || c.order.Len() != 0 {
			t.Errorf("%d bytes in %d rows left", c.bytes, c.order.Len())
		}
	})

	t.Run("the least recently used go first, within the bytes", func(t *testing.T) {
		c := newRowCache(100 * (rowOverhead + 16))
		for i := range 1000 {
			c.put(key(1, fmt.Sprintf("k%04d", i)), []byte("v"), false)
			c.get([]byte(key(1, "k0000"))) // kept in use
			if c.bytes > c.maxBytes || c.order.Len() != len(c.rows) {
				t.Fatalf("after %d puts: %d bytes of %d, %d rows listed, %d mapped", i+1, c.bytes, c.maxBytes, c.order.Len(), len(c.rows))
			}
		}
		want(t, c, key(1, "k0000"), "v", false, true)
		want(t, c, key(1, "k0999"), "v", false, true)
		want(t, c, key(1, "k0001"), "", false, false)
	})

	t.Run("dropping a shard keeps the others' rows", func(t *testing.T) {
		c := newRowCache(1 << 20)
		for _, shard := range []uint64{1, 2, 256} {
			c.put(key(shard, "a"), []byte("v"), false)
		}
		c.dropShard(shardPrefix(2))
		want(t, c, key(1, "a"), "v", false, true)
		want(t, c, key(2, "a"), "", false, false)
		want(t, c, key(256, "a"), "v", false, true)
		if c.bytes != 2*(len(key(1, "a"))+1+rowOverhead) {
			t.Errorf("%d bytes counted for two rows", c.bytes)
		}
	})

	t.Run("a cache of no bytes keeps nothing", func(t *testing.T) {
		c := newRowCache(-1)
		c.put(key(1, "a"), []byte("v"), false)
		want(t, c, key(1, "a"), "", false, false)
	})
}

func TestIsCachedKey(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		key  []byte
		want bool
	}{
		{"user key", userKey(7, []byte("k")), true},
		{"clock", sysKey(7, sysClock), true},
		{"checksum", sysKey(7, sysChecksum), true},
		{"stored bytes", sysKey(7, sysStored), true},
		{"applied index, only written", sysKey(7, sysApplied), false},
		{"record", recordKey(7, []byte("r")), false},
		{"shard prefix alone", shardPrefix(7), false},
	} {
		if got := isCachedKey(tt.key); got != tt.want {
			t.Errorf("%s: isCachedKey(%q) = %v, want %v", tt.name, tt.key, got, tt.want)
		}
	}
}
