package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/synodhq/synod/host/internal/store"
)

const maxShard = ^uint64(0)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	return openDir(t, t.TempDir())
}

func openDir(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(dir, store.Options{CacheBytes: 1 << 20, MemTableBytes: 1 << 20})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// state is a shard's user keys, the reference model the store is checked
// against.
type state map[string]string

// begin begins an entry's writes with limits l.
func begin(t *testing.T, txn *store.Txn, l store.Limits) {
	t.Helper()
	if err := txn.Begin(l); err != nil {
		t.Fatal(err)
	}
}

// write commits kvs (key, value pairs; a value of "\x00delete" deletes) to
// a shard at index.
func write(t *testing.T, db *store.DB, shard, index uint64, kvs ...string) {
	t.Helper()
	txn := db.Txn(shard)
	defer txn.Close()
	for i := 0; i+1 < len(kvs); i += 2 {
		var err error
		if kvs[i+1] == del {
			err = txn.Delete([]byte(kvs[i]))
		} else {
			err = txn.Set([]byte(kvs[i]), []byte(kvs[i+1]))
		}
		if err != nil {
			t.Fatalf("write %q: %v", kvs[i], err)
		}
	}
	if err := txn.Commit(index); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

const del = "\x00delete"

// scanner is what Txn and View have in common.
type scanner interface {
	Get(key []byte) ([]byte, bool, error)
	Scan(start, end []byte, limit int) ([]store.KV, error)
}

// dump returns every user key of a shard as r sees it, and checks that Get
// agrees with Scan.
func dump(t *testing.T, r scanner) state {
	t.Helper()
	kvs, err := r.Scan(nil, nil, 1<<30)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	s := state{}
	for i, kv := range kvs {
		if i > 0 && bytes.Compare(kvs[i-1].Key, kv.Key) >= 0 {
			t.Errorf("scan out of order: %q then %q", kvs[i-1].Key, kv.Key)
		}
		s[string(kv.Key)] = string(kv.Value)
		v, ok, err := r.Get(kv.Key)
		if err != nil || !ok || !bytes.Equal(v, kv.Value) {
			t.Errorf("Get(%q) = (%q, %v, %v), but Scan has %q", kv.Key, v, ok, err, kv.Value)
		}
	}
	return s
}

// viewState returns the committed user keys of a shard.
func viewState(t *testing.T, db *store.DB, shard uint64) state {
	t.Helper()
	v := db.View(shard)
	defer v.Close()
	return dump(t, v)
}

func appliedIndex(t *testing.T, db *store.DB, shard uint64) uint64 {
	t.Helper()
	i, err := db.AppliedIndex(shard)
	if err != nil {
		t.Fatalf("AppliedIndex: %v", err)
	}
	return i
}

func clock(t *testing.T, db *store.DB, shard uint64) int64 {
	t.Helper()
	v := db.View(shard)
	defer v.Close()
	c, err := v.Clock()
	if err != nil {
		t.Fatalf("Clock: %v", err)
	}
	return c
}

// op is one write of an entry.
type op struct {
	key   string
	value string // del deletes
}

func apply(t *testing.T, txn *store.Txn, model state, ops []op) {
	t.Helper()
	for _, o := range ops {
		var err error
		if o.value == del {
			err = txn.Delete([]byte(o.key))
			delete(model, o.key)
		} else {
			err = txn.Set([]byte(o.key), []byte(o.value))
			model[o.key] = o.value
		}
		if err != nil {
			t.Fatalf("write %q: %v", o.key, err)
		}
	}
}

func TestTxnRollback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		committed []string // key, value pairs in the store before the txn
		earlier   []op     // an earlier entry of the same txn, kept
		entry     []op     // the entry that is rolled back
	}{
		{name: "set of an absent key", committed: []string{"a", "1"}, entry: []op{{"b", "2"}}},
		{name: "overwrite", committed: []string{"a", "1"}, entry: []op{{"a", "2"}}},
		{name: "delete", committed: []string{"a", "1", "b", "2"}, entry: []op{{"a", del}}},
		{name: "delete of an absent key", committed: []string{"a", "1"}, entry: []op{{"z", del}}},
		{name: "many writes to one key", committed: []string{"a", "1"}, entry: []op{{"a", "2"}, {"a", del}, {"a", "3"}, {"a", "4"}}},
		{name: "set then delete of a new key", entry: []op{{"n", "1"}, {"n", del}}},
		{name: "delete then set", committed: []string{"a", "1"}, entry: []op{{"a", del}, {"a", "2"}}},
		{name: "empty value set on an absent key", entry: []op{{"e", ""}}},
		{name: "empty value overwritten", committed: []string{"e", ""}, entry: []op{{"e", "full"}}},
		{name: "empty value deleted", committed: []string{"e", ""}, entry: []op{{"e", del}}},
		{
			name:      "keys of an earlier entry of the batch",
			committed: []string{"a", "1", "b", "2"},
			earlier:   []op{{"a", "10"}, {"b", del}, {"c", "30"}},
			entry:     []op{{"a", "100"}, {"b", "200"}, {"c", del}, {"d", "400"}},
		},
		{
			name:    "many keys",
			earlier: []op{{"k1", "1"}, {"k2", "2"}, {"k3", "3"}},
			entry:   []op{{"k1", del}, {"k2", "x"}, {"k4", "4"}, {"k3", del}, {"k3", "y"}, {"k0", "0"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t)
			const shard = 5
			write(t, db, shard, 1, tt.committed...)
			model := viewState(t, db, shard)

			txn := db.Txn(shard)
			defer txn.Close()
			begin(t, txn, store.Limits{})
			apply(t, txn, model, tt.earlier)
			before := maps.Clone(model)

			begin(t, txn, store.Limits{})
			apply(t, txn, model, tt.entry)
			if got := dump(t, txn); !maps.Equal(got, model) {
				t.Fatalf("inside the entry: got %q, want %q", got, model)
			}
			if err := txn.Rollback(); err != nil {
				t.Fatalf("Rollback: %v", err)
			}
			if got := dump(t, txn); !maps.Equal(got, before) {
				t.Errorf("after Rollback: got %q, want %q", got, before)
			}
			for _, o := range tt.entry {
				_, ok, err := txn.Get([]byte(o.key))
				_, want := before[o.key]
				if err != nil || ok != want {
					t.Errorf("after Rollback, Get(%q) found=%v (err %v), want found=%v", o.key, ok, err, want)
				}
			}
			// A second rollback has nothing left to undo.
			if err := txn.Rollback(); err != nil {
				t.Fatalf("Rollback: %v", err)
			}
			if err := txn.Commit(2); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if got := viewState(t, db, shard); !maps.Equal(got, before) {
				t.Errorf("committed: got %q, want %q", got, before)
			}
		})
	}
}

// TestTxnEntries runs many entries through one transaction, rolling back
// every third, against a map.
func TestTxnEntries(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const shard = 9
	txn := db.Txn(shard)
	defer txn.Close()
	model := state{}
	keys := []string{"a", "b", "c", "d", "e"}
	for i := range 60 {
		before := maps.Clone(model)
		begin(t, txn, store.Limits{})
		var ops []op
		for j := range 3 {
			k := keys[(i*7+j*3)%len(keys)]
			if (i+j)%4 == 0 {
				ops = append(ops, op{k, del})
			} else {
				ops = append(ops, op{k, string(rune('0' + (i+j)%10))})
			}
		}
		apply(t, txn, model, ops)
		if i%3 == 2 {
			if err := txn.Rollback(); err != nil {
				t.Fatal(err)
			}
			model = before
		}
		if got := dump(t, txn); !maps.Equal(got, model) {
			t.Fatalf("entry %d: got %q, want %q", i, got, model)
		}
	}
	if err := txn.Commit(60); err != nil {
		t.Fatal(err)
	}
	if got := viewState(t, db, shard); !maps.Equal(got, model) {
		t.Errorf("committed: got %q, want %q", got, model)
	}
}

// TestTxnIsolation checks reads-your-writes inside a transaction, and that
// nothing is visible outside it before Commit, nor after Close without one.
func TestTxnIsolation(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const shard = 3
	write(t, db, shard, 1, "a", "1", "b", "2")

	before := db.View(shard)
	defer before.Close()
	txn := db.Txn(shard)
	begin(t, txn, store.Limits{})
	apply(t, txn, state{}, []op{{"a", "10"}, {"b", del}, {"c", "3"}})
	want := state{"a": "10", "c": "3"}
	if got := dump(t, txn); !maps.Equal(got, want) {
		t.Errorf("txn reads: got %q, want %q", got, want)
	}
	if v, ok, err := txn.Get([]byte("b")); err != nil || ok {
		t.Errorf("txn Get of a deleted key: got (%q, %v, %v)", v, ok, err)
	}
	committed := state{"a": "1", "b": "2"}
	if got := viewState(t, db, shard); !maps.Equal(got, committed) {
		t.Errorf("outside the txn before Commit: got %q, want %q", got, committed)
	}
	if err := txn.Commit(2); err != nil {
		t.Fatal(err)
	}
	txn.Close()
	if got := viewState(t, db, shard); !maps.Equal(got, want) {
		t.Errorf("after Commit: got %q, want %q", got, want)
	}
	if got := dump(t, before); !maps.Equal(got, committed) {
		t.Errorf("a view taken before Commit: got %q, want %q", got, committed)
	}
	if i, err := before.AppliedIndex(); err != nil || i != 1 {
		t.Errorf("a view taken before Commit: applied index (%d, %v), want 1", i, err)
	}

	discarded := db.Txn(shard)
	if err := discarded.Set([]byte("z"), []byte("26")); err != nil {
		t.Fatal(err)
	}
	discarded.Close()
	if got := viewState(t, db, shard); !maps.Equal(got, want) {
		t.Errorf("after a txn closed without Commit: got %q, want %q", got, want)
	}
	if i := appliedIndex(t, db, shard); i != 2 {
		t.Errorf("applied index %d, want 2", i)
	}
}

func TestEmptyValue(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	write(t, db, 1, 1, "e", "")
	for _, r := range []struct {
		name string
		r    scanner
	}{
		{"view", db.View(1)},
		{"txn", db.Txn(1)},
	} {
		v, ok, err := r.r.Get([]byte("e"))
		if err != nil || !ok || len(v) != 0 {
			t.Errorf("%s: Get of a key with an empty value: got (%q, %v, %v), want (\"\", true, nil)", r.name, v, ok, err)
		}
	}
}

func TestEmptyKey(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	txn := db.Txn(1)
	defer txn.Close()
	view := db.View(1)
	defer view.Close()
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"txn get", func() error { _, _, err := txn.Get(nil); return err }()},
		{"txn set", txn.Set(nil, []byte("v"))},
		{"txn delete", txn.Delete([]byte{})},
		{"view get", func() error { _, _, err := view.Get(nil); return err }()},
	} {
		if !errors.Is(tc.err, store.ErrEmptyKey) {
			t.Errorf("%s: got %v, want ErrEmptyKey", tc.name, tc.err)
		}
	}
}

// TestScan checks that scans are ordered, bounded to [start, end) and
// limit, and never see another shard's keys or the shard's system keys,
// with neighbours that differ in the last byte of the shard id and at the
// ends of the id space.
func TestScan(t *testing.T) {
	t.Parallel()
	keys := []string{"a", "a\x00", "ab", "b", "ba", "c", "\x00", "\x01", "\xff", "\xff\xff", "u", "y", "zz"}
	tests := []struct {
		name       string
		start, end string
		limit      int
		want       []string
	}{
		{name: "everything", limit: 100, want: []string{"\x00", "\x01", "a", "a\x00", "ab", "b", "ba", "c", "u", "y", "zz", "\xff", "\xff\xff"}},
		{name: "limited", limit: 3, want: []string{"\x00", "\x01", "a"}},
		{name: "from a key", start: "b", limit: 100, want: []string{"b", "ba", "c", "u", "y", "zz", "\xff", "\xff\xff"}},
		{name: "end is exclusive", start: "a", end: "b", limit: 100, want: []string{"a", "a\x00", "ab"}},
		{name: "start is inclusive", start: "a\x00", end: "ab\x00", limit: 100, want: []string{"a\x00", "ab"}},
		{name: "prefix", start: "a", end: "b", limit: 2, want: []string{"a", "a\x00"}},
		{name: "up to 0xff", start: "zz", end: "\xff", limit: 100, want: []string{"zz"}},
		{name: "from 0xff", start: "\xff", limit: 100, want: []string{"\xff", "\xff\xff"}},
		{name: "empty range", start: "b", end: "b", limit: 100},
		{name: "inverted range", start: "c", end: "a", limit: 100},
		{name: "limit 0", limit: 0},
		{name: "past the last key", start: "\xff\xff\x00", limit: 100},
	}
	for _, shards := range [][]uint64{
		{0, 1, 2},
		{0xff, 0x100, 0x101},
		{0x1fe, 0x1ff, 0x200},
		{maxShard - 2, maxShard - 1, maxShard},
	} {
		db := openDB(t)
		for i, shard := range shards {
			var kvs []string
			for _, k := range keys {
				kvs = append(kvs, k, k+"@"+string(rune('0'+i)))
			}
			txn := db.Txn(shard)
			for j := 0; j < len(kvs); j += 2 {
				if err := txn.Set([]byte(kvs[j]), []byte(kvs[j+1])); err != nil {
					t.Fatal(err)
				}
			}
			if err := txn.SetClock(int64(shard)); err != nil {
				t.Fatal(err)
			}
			if err := txn.Commit(uint64(i + 1)); err != nil {
				t.Fatal(err)
			}
			txn.Close()
		}
		for i, shard := range shards {
			suffix := "@" + string(rune('0'+i))
			for _, tt := range tests {
				check := func(kind string, r scanner) {
					t.Helper()
					got, err := r.Scan([]byte(tt.start), []byte(tt.end), tt.limit)
					if err != nil {
						t.Fatalf("shard %#x %s %s: %v", shard, kind, tt.name, err)
					}
					var gotKeys []string
					for _, kv := range got {
						gotKeys = append(gotKeys, string(kv.Key))
						if string(kv.Value) != string(kv.Key)+suffix {
							t.Errorf("shard %#x %s %s: key %q has value %q of another shard", shard, kind, tt.name, kv.Key, kv.Value)
						}
					}
					if !slices.Equal(gotKeys, tt.want) {
						t.Errorf("shard %#x %s %s: got %q, want %q", shard, kind, tt.name, gotKeys, tt.want)
					}
				}
				view := db.View(shard)
				check("view", view)
				_ = view.Close()
				txn := db.Txn(shard)
				check("txn", txn)
				txn.Close()
			}
			if got := appliedIndex(t, db, shard); got != uint64(i+1) {
				t.Errorf("shard %#x: applied index %d, want %d", shard, got, i+1)
			}
			if got := clock(t, db, shard); got != int64(shard) {
				t.Errorf("shard %#x: clock %d, want %d", shard, got, int64(shard))
			}
		}
	}
}

func TestAppliedIndexAndClock(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const shard = 4
	if i := appliedIndex(t, db, shard); i != 0 {
		t.Errorf("new shard: applied index %d, want 0", i)
	}
	if c := clock(t, db, shard); c != 0 {
		t.Errorf("new shard: clock %d, want 0", c)
	}
	for _, tc := range []struct {
		index uint64
		clock int64
	}{
		{1, 100},
		{7, 50}, // the store records what it is given; monotonicity is the caller's
		{maxShard, -1},
	} {
		txn := db.Txn(shard)
		if err := txn.SetClock(tc.clock); err != nil {
			t.Fatal(err)
		}
		if c, err := txn.Clock(); err != nil || c != tc.clock {
			t.Errorf("txn clock: got (%d, %v), want %d", c, err, tc.clock)
		}
		if err := txn.Commit(tc.index); err != nil {
			t.Fatal(err)
		}
		txn.Close()
		if i := appliedIndex(t, db, shard); i != tc.index {
			t.Errorf("applied index %d, want %d", i, tc.index)
		}
		v := db.View(shard)
		if i, err := v.AppliedIndex(); err != nil || i != tc.index {
			t.Errorf("view applied index (%d, %v), want %d", i, err, tc.index)
		}
		_ = v.Close()
		if c := clock(t, db, shard); c != tc.clock {
			t.Errorf("clock %d, want %d", c, tc.clock)
		}
	}
	if i := appliedIndex(t, db, shard+1); i != 0 {
		t.Errorf("neighbour shard: applied index %d, want 0", i)
	}
}

func TestCoverage(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const shard = 4
	view := func() store.Coverage {
		t.Helper()
		v := db.View(shard)
		defer v.Close()
		c, err := v.Coverage()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := view(); c != (store.Coverage{}) {
		t.Errorf("new shard: coverage %+v, want none", c)
	}
	want := store.Coverage{At: 8, ChangedAt: 7, AskedThrough: maxShard}
	txn := db.Txn(shard)
	if err := txn.SetCoverage(want); err != nil {
		t.Fatal(err)
	}
	if c, err := txn.Coverage(); err != nil || c != want {
		t.Errorf("txn coverage: got (%+v, %v), want %+v", c, err, want)
	}
	if err := txn.Commit(8); err != nil {
		t.Fatal(err)
	}
	txn.Close()
	if c := view(); c != want {
		t.Errorf("view coverage %+v, want %+v", c, want)
	}
	txn = db.Txn(shard)
	defer txn.Close()
	if c, err := txn.Coverage(); err != nil || c != want {
		t.Errorf("coverage in the next txn: got (%+v, %v), want %+v", c, err, want)
	}
}

func TestReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	txn := db.Txn(2)
	_ = txn.Set([]byte("a"), []byte("1"))
	_ = txn.SetClock(77)
	if err := txn.Commit(12); err != nil {
		t.Fatal(err)
	}
	txn.Close()
	if err := db.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openDir(t, dir)
	if got, want := viewState(t, db, 2), (state{"a": "1"}); !maps.Equal(got, want) {
		t.Errorf("after reopening: got %q, want %q", got, want)
	}
	if i, c := appliedIndex(t, db, 2), clock(t, db, 2); i != 12 || c != 77 {
		t.Errorf("after reopening: applied index %d and clock %d, want 12 and 77", i, c)
	}
}

func TestDeleteShard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		shards []uint64
		victim uint64
	}{
		{name: "middle", shards: []uint64{0x100, 0x101, 0x102}, victim: 0x101},
		{name: "first", shards: []uint64{0, 1}, victim: 0},
		{name: "last id", shards: []uint64{maxShard - 1, maxShard}, victim: maxShard},
		{name: "below the last id", shards: []uint64{maxShard - 1, maxShard}, victim: maxShard - 1},
		{name: "a shard with no keys", shards: []uint64{5, 7}, victim: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t)
			for i, s := range tt.shards {
				write(t, db, s, uint64(10+i), "a", "1", "\xff", "2")
			}
			if err := db.DeleteShard(tt.victim); err != nil {
				t.Fatalf("DeleteShard: %v", err)
			}
			for i, s := range tt.shards {
				want, index := state{"a": "1", "\xff": "2"}, uint64(10+i)
				if s == tt.victim {
					want, index = state{}, 0
				}
				if got := viewState(t, db, s); !maps.Equal(got, want) {
					t.Errorf("shard %#x: got %q, want %q", s, got, want)
				}
				if got := appliedIndex(t, db, s); got != index {
					t.Errorf("shard %#x: applied index %d, want %d", s, got, index)
				}
			}
		})
	}
}

func TestStateDigest(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	digest := func(shard uint64) string {
		t.Helper()
		v := db.View(shard)
		defer v.Close()
		d, err := v.StateDigest()
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", d)
	}
	// Shards 1 and 2 reach the same entries by different histories, at
	// different indexes; shard 3 differs in one value, shard 4 in a key's
	// boundary (the same bytes split differently between key and value).
	write(t, db, 1, 5, "a", "1", "b", "2")
	write(t, db, 2, 3, "b", "2", "x", "gone", "a", "0")
	write(t, db, 2, 9, "a", "1", "x", del)
	write(t, db, 3, 5, "a", "1", "b", "3")
	write(t, db, 4, 5, "a", "1", "b2", "")
	if digest(1) != digest(2) {
		t.Errorf("same entries, different digests: %s and %s", digest(1), digest(2))
	}
	for _, other := range []uint64{3, 4, 5} {
		if digest(1) == digest(other) {
			t.Errorf("shards 1 and %d hold different entries but have the same digest %s", other, digest(1))
		}
	}
}

// TestTxnWrittenUnder checks that a transaction tells which keys under a
// prefix the current entry wrote: sets and deletes count, each key once,
// from Begin on, and writes rolled back do not.
func TestTxnWrittenUnder(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	txn := db.Txn(3)
	defer txn.Close()
	prefix := []byte("shard/")
	written := func(want ...string) {
		t.Helper()
		var got []string
		for _, k := range txn.WrittenUnder(prefix) {
			got = append(got, string(k))
		}
		if !slices.Equal(got, want) {
			t.Errorf("written under %s: %q, want %q", prefix, got, want)
		}
	}
	begin(t, txn, store.Limits{})
	if err := txn.Set([]byte("host/1"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	written() // a write under another prefix
	sp, err := txn.Savepoint()
	if err != nil {
		t.Fatal(err)
	}
	if err := txn.Delete([]byte("shard/a")); err != nil {
		t.Fatal(err)
	}
	written("shard/a")
	if err := txn.RollbackTo(sp); err != nil {
		t.Fatal(err)
	}
	written() // rolled back
	for _, k := range []string{"shard/b", "shard/c", "shard/b"} {
		if err := txn.Set([]byte(k), []byte("y")); err != nil {
			t.Fatal(err)
		}
	}
	written("shard/b", "shard/c")
	begin(t, txn, store.Limits{})
	written() // the entry before's writes
}

// TestTxnRecordRollback checks that rolling back an entry restores the
// records it wrote, whether the transaction had read them, written them
// in an earlier entry, or never seen them (held by the store, or absent).
func TestTxnRecordRollback(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const shard = 3
	records := func(txn *store.Txn) map[string]string {
		t.Helper()
		got := map[string]string{}
		for _, name := range []string{"seen", "unseen", "earlier", "new", "gone"} {
			v, err := txn.Record([]byte(name))
			if err != nil {
				t.Fatalf("Record(%q): %v", name, err)
			}
			if v != nil {
				got[name] = string(v)
			}
		}
		return got
	}
	setRecords := func(txn *store.Txn, kvs ...string) {
		t.Helper()
		for i := 0; i+1 < len(kvs); i += 2 {
			var err error
			if kvs[i+1] == del {
				err = txn.DeleteRecord([]byte(kvs[i]))
			} else {
				err = txn.SetRecord([]byte(kvs[i]), []byte(kvs[i+1]))
			}
			if err != nil {
				t.Fatalf("write record %q: %v", kvs[i], err)
			}
		}
	}

	txn := db.Txn(shard)
	setRecords(txn, "seen", "s0", "unseen", "u0", "gone", "g0")
	if err := txn.Commit(1); err != nil {
		t.Fatal(err)
	}
	txn.Close()

	txn = db.Txn(shard)
	defer txn.Close()
	begin(t, txn, store.Limits{})
	setRecords(txn, "earlier", "e1")
	if v, err := txn.Record([]byte("seen")); err != nil || string(v) != "s0" {
		t.Fatalf("Record(seen) = %q, %v", v, err)
	}
	want := map[string]string{"seen": "s0", "unseen": "u0", "gone": "g0", "earlier": "e1"}
	begin(t, txn, store.Limits{})
	setRecords(txn, "seen", "s2", "unseen", "u2", "unseen", "u3", "earlier", del, "earlier", "e2", "new", "n2", "gone", del)
	if err := txn.Rollback(); err != nil {
		t.Fatal(err)
	}
	// Read nothing before checking the store: the rollback must put back
	// the values of the records the transaction never read.
	if err := txn.Commit(2); err != nil {
		t.Fatal(err)
	}
	after := db.Txn(shard)
	defer after.Close()
	if got := records(after); !maps.Equal(got, want) {
		t.Errorf("committed after the rollback: %q, want %q", got, want)
	}
}

// TestTxnValueChangedAfterCommit checks that a caller changing the slice
// it wrote, once the transaction has committed, changes nothing a later
// transaction reads (the row cache keeps copies).
func TestTxnValueChangedAfterCommit(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const shard = 4
	buf := []byte("one")
	txn := db.Txn(shard)
	if err := txn.Set([]byte("k"), buf); err != nil {
		t.Fatal(err)
	}
	if err := txn.Commit(1); err != nil {
		t.Fatal(err)
	}
	txn.Close()
	copy(buf, "two")
	txn = db.Txn(shard)
	defer txn.Close()
	if v, ok, err := txn.Get([]byte("k")); err != nil || !ok || string(v) != "one" {
		t.Errorf("Get(k) = %q, %v, %v; the store holds \"one\"", v, ok, err)
	}
}

// TestTxnScansSeeEveryWrite runs random entries of user keys and records
// through transactions whose first scan comes at a random point: a scan
// (and a read of records, the last record's name, the clock) must see
// every write made before it and after it, rolled back ones undone
// (whole entries, and back to savepoints), whenever the transaction began
// indexing its writes for iterators.
func TestTxnScansSeeEveryWrite(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const shard = 11
	rng := rand.New(rand.NewPCG(3, 4))
	model, records := state{}, state{}
	var clockNow int64 // not rolled back: the state machine sets it once a run ends
	key := func() string { return fmt.Sprintf("k%02d", rng.IntN(40)) }
	for i := range 200 {
		txn := db.Txn(shard)
		scanAt := rng.IntN(12) // the write before which the first scan comes
		writes := 0
		scan := func(when string) {
			t.Helper()
			if got := dump(t, txn); !maps.Equal(got, model) {
				t.Fatalf("transaction %d, %s: scan has %q, want %q", i, when, got, model)
			}
			got, err := txn.Records([]byte("r"), 1000)
			if err != nil {
				t.Fatal(err)
			}
			gotRecords := state{}
			for _, kv := range got {
				gotRecords[string(kv.Key)] = string(kv.Value)
			}
			if !maps.Equal(gotRecords, records) {
				t.Fatalf("transaction %d, %s: records %q, want %q", i, when, gotRecords, records)
			}
			last, err := txn.LastRecordName([]byte("r"))
			if err != nil {
				t.Fatal(err)
			}
			if want := slices.Max(append(slices.Collect(maps.Keys(records)), "")); string(last) != want {
				t.Fatalf("transaction %d, %s: last record %q, want %q", i, when, last, want)
			}
			if c, err := txn.Clock(); err != nil || c != clockNow {
				t.Fatalf("transaction %d, %s: clock %d (%v), want %d", i, when, c, err, clockNow)
			}
		}
		for range 1 + rng.IntN(4) {
			before, recordsBefore := maps.Clone(model), maps.Clone(records)
			begin(t, txn, store.Limits{})
			var sp store.Savepoint
			var atSavepoint, recordsAtSavepoint state
			for range 1 + rng.IntN(4) {
				if writes == scanAt || rng.IntN(8) == 0 {
					scan(fmt.Sprintf("before write %d", writes))
				}
				switch {
				case atSavepoint == nil && rng.IntN(4) == 0:
					var err error
					if sp, err = txn.Savepoint(); err != nil {
						t.Fatal(err)
					}
					atSavepoint, recordsAtSavepoint = maps.Clone(model), maps.Clone(records)
				case atSavepoint != nil && rng.IntN(3) == 0:
					if err := txn.RollbackTo(sp); err != nil {
						t.Fatal(err)
					}
					model, records = atSavepoint, recordsAtSavepoint
					atSavepoint = nil
				}
				if rng.IntN(6) == 0 {
					clockNow++
					if err := txn.SetClock(clockNow); err != nil {
						t.Fatal(err)
					}
				}
				writes++
				k := key()
				switch rng.IntN(4) {
				case 0:
					apply(t, txn, model, []op{{k, del}})
				case 1:
					name := "r" + k
					if rng.IntN(2) == 0 {
						if err := txn.DeleteRecord([]byte(name)); err != nil {
							t.Fatal(err)
						}
						delete(records, name)
						continue
					}
					v := fmt.Sprintf("rec%d", writes)
					if err := txn.SetRecord([]byte(name), []byte(v)); err != nil {
						t.Fatal(err)
					}
					records[name] = v
				default:
					apply(t, txn, model, []op{{k, fmt.Sprintf("v%d", writes)}})
				}
			}
			if rng.IntN(3) == 0 {
				if err := txn.Rollback(); err != nil {
					t.Fatal(err)
				}
				model, records = before, recordsBefore
			}
		}
		scan("at the end")
		if err := txn.Commit(uint64(i + 1)); err != nil {
			t.Fatal(err)
		}
		txn.Close()
		if got := viewState(t, db, shard); !maps.Equal(got, model) {
			t.Fatalf("transaction %d committed %q, want %q", i, got, model)
		}
	}
}
