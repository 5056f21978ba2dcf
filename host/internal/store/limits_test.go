package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/internal/outcome"
)

// storedOf returns the size of a shard's keys and values, counted from
// its contents.
func storedOf(s state) uint64 {
	var n uint64
	for k, v := range s {
		n += uint64(len(k) + len(v))
	}
	return n
}

// viewStored returns the stored bytes a view of a shard reports.
func viewStored(t *testing.T, db *store.DB, shard uint64) uint64 {
	t.Helper()
	v := db.View(shard)
	defer v.Close()
	n, err := v.StoredBytes()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// overLimit reports whether err is the store's refusal of a write past an
// entry's limits, with the given code and a message containing want.
func overLimit(err error, code uint32, want string) bool {
	var e *outcome.Error
	return errors.As(err, &e) && e.Kind == outcome.OverLimit && e.Applied == outcome.AppliedYes &&
		e.Code == code && strings.Contains(e.Message, want)
}

// TestStoredBytesCount checks the count against the shard's contents
// through random sets, deletes and rolled-back entries, across commits, and
// through a snapshot.
func TestStoredBytesCount(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const shard = 9
	rng := rand.New(rand.NewPCG(1, 2))
	model := state{}
	for index := uint64(1); index <= 20; index++ {
		txn := db.Txn(shard)
		for range 5 {
			begin(t, txn, store.Limits{})
			before := maps.Clone(model)
			for range 10 {
				k := fmt.Sprintf("k%02d", rng.IntN(30))
				if rng.IntN(3) == 0 {
					if err := txn.Delete([]byte(k)); err != nil {
						t.Fatal(err)
					}
					delete(model, k)
					continue
				}
				v := strings.Repeat("v", rng.IntN(100))
				if err := txn.Set([]byte(k), []byte(v)); err != nil {
					t.Fatal(err)
				}
				model[k] = v
			}
			if rng.IntN(4) == 0 {
				if err := txn.Rollback(); err != nil {
					t.Fatal(err)
				}
				model = before
			}
		}
		if err := txn.Commit(index); err != nil {
			t.Fatal(err)
		}
		txn.Close()
		if got, want := viewStored(t, db, shard), storedOf(model); got != want {
			t.Fatalf("after index %d: stored bytes %d, the contents hold %d", index, got, want)
		}
	}

	other := openDB(t)
	var buf bytes.Buffer
	if err := db.Snapshot(shard).WriteTo(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if err := other.Recover(shard, &buf, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := viewStored(t, other, shard), storedOf(model); got != want {
		t.Fatalf("after a snapshot: stored bytes %d, the contents hold %d", got, want)
	}
}

func TestWriteLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		limits store.Limits
		ops    []op
		code   uint32
		want   string // in the refusal's message; "" for none
	}{
		{name: "under every limit", limits: store.Limits{WriteBytes: 6, WriteKeys: 3, StoredBytes: 10}, ops: []op{{"a", "1"}, {"b", "2"}, {"a", del}}},
		{name: "too many writes", limits: store.Limits{WriteKeys: 2}, ops: []op{{"a", "1"}, {"b", del}, {"c", "3"}}, code: outcome.CodeWriteLimit, want: "limit of 2 writes"},
		{name: "too many bytes", limits: store.Limits{WriteBytes: 10}, ops: []op{{"a", "1234"}, {"b", "12345"}}, code: outcome.CodeWriteLimit, want: "limit of 10 bytes"},
		{name: "deletes count their keys", limits: store.Limits{WriteBytes: 4}, ops: []op{{"ab", del}, {"cd", del}, {"e", del}}, code: outcome.CodeWriteLimit, want: "limit of 4 bytes"},
		{name: "shard too large", limits: store.Limits{StoredBytes: 8}, ops: []op{{"held", "xx"}, {"b", "12"}}, code: outcome.CodeStoredLimit, want: "would hold 9 bytes of keys and values, over its limit of 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t)
			const shard = 3
			write(t, db, shard, 1, "held", "xx")
			txn := db.Txn(shard)
			defer txn.Close()
			begin(t, txn, tt.limits)
			var err error
			for _, o := range tt.ops {
				if o.value == del {
					err = txn.Delete([]byte(o.key))
				} else {
					err = txn.Set([]byte(o.key), []byte(o.value))
				}
				if err != nil {
					break
				}
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && !overLimit(err, tt.code, tt.want):
				t.Fatalf("got %v, want a refusal with code %d saying %q", err, tt.code, tt.want)
			}
		})
	}
}

// TestFullShard checks that a shard at its limit refuses what grows it,
// and takes what does not: deletes, and sets that keep or shrink it.
func TestFullShard(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const shard = 4
	write(t, db, shard, 1, "a", "12345", "b", "123")
	full := store.Limits{StoredBytes: 10} // it holds 1+5+1+3 = 10
	txn := db.Txn(shard)
	defer txn.Close()
	begin(t, txn, full)
	if err := txn.Set([]byte("c"), nil); !overLimit(err, outcome.CodeStoredLimit, "over its limit of 10") {
		t.Fatalf("a new key in a full shard: got %v", err)
	}
	for _, o := range []op{{"a", "54321"}, {"a", "1"}, {"b", del}, {"c", "123"}} {
		var err error
		if o.value == del {
			err = txn.Delete([]byte(o.key))
		} else {
			err = txn.Set([]byte(o.key), []byte(o.value))
		}
		if err != nil {
			t.Fatalf("%s=%q in a full shard: %v", o.key, o.value, err)
		}
	}
	if err := txn.Commit(2); err != nil {
		t.Fatal(err)
	}
	if got := viewStored(t, db, shard); got != 6 {
		t.Fatalf("stored bytes %d, want 6 (a=1, c=123)", got)
	}
}

// sstBytes returns the size of a database directory's table files.
func sstBytes(t *testing.T, dir string) int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestDeleteShardReclaimsDisk checks that deleting a shard gives back the
// disk its state took, beside a neighbour that keeps its own.
func TestDeleteShardReclaimsDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := openDir(t, dir)
	value := strings.Repeat("incompressible? no, but large enough: ", 1<<10)
	rng := rand.New(rand.NewPCG(3, 4))
	for index := uint64(1); index <= 64; index++ {
		kvs := []string{}
		for i := range 16 {
			kvs = append(kvs, fmt.Sprintf("k%03d-%02d", index, i), fmt.Sprintf("%x%s", rng.Uint64(), value))
		}
		write(t, db, 7, index, kvs...)
	}
	write(t, db, 8, 1, "neighbour", "stays")
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	before := sstBytes(t, dir)
	if err := db.DeleteShard(7); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for sstBytes(t, dir) > before/10 {
		if time.Now().After(deadline) {
			t.Fatalf("the deleted shard's tables still take %d bytes of %d after a minute", sstBytes(t, dir), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("tables: %d bytes before deleting the shard, %d after", before, sstBytes(t, dir))
	if got := viewState(t, db, 8); got["neighbour"] != "stays" {
		t.Fatalf("the neighbour lost its state: %q", got)
	}
}
