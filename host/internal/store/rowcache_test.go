package store_test

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/synodhq/synod/host/internal/store"
)

// TestRowCacheAgreesWithTheStore runs random entries (some rolled back)
// through transactions on two shards of a host, replaces one shard's state
// from a snapshot and deletes it, and checks after every step that what
// transactions read (values and stored bytes) is what the committed state
// holds: with a row cache that holds a few hundred of the keys (rows come
// and go), and with one that holds them all (rows stay, and must change
// with the state).
func TestRowCacheAgreesWithTheStore(t *testing.T) {
	t.Parallel()
	for _, size := range []int{64 << 10, 4 << 20} {
		t.Run(fmt.Sprintf("%d KiB", size>>10), func(t *testing.T) {
			t.Parallel()
			testRowCache(t, size)
		})
	}
}

func testRowCache(t *testing.T, rowCacheBytes int) {
	db, err := store.Open(t.TempDir(), store.Options{CacheBytes: 1 << 20, MemTableBytes: 1 << 20, RowCacheBytes: rowCacheBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	models := map[uint64]state{1: {}, 2: {}}
	index := map[uint64]uint64{}
	clocks := map[uint64]int64{}
	sums := map[uint64][]byte{}
	key := func() string { return fmt.Sprintf("k%03d", rng.IntN(1000)) }

	// run applies n transactions of random entries to shard, as a state
	// machine would, and checks the shard after each.
	run := func(shard uint64, n int) {
		t.Helper()
		for range n {
			txn := db.Txn(shard)
			model := models[shard]
			for range 1 + rng.IntN(8) {
				before := maps.Clone(model)
				begin(t, txn, store.Limits{})
				var ops []op
				for range 1 + rng.IntN(6) {
					k := key()
					if rng.IntN(4) == 0 {
						ops = append(ops, op{k, del})
						continue
					}
					// Reads before writes: what a module does.
					v, ok, err := txn.Get([]byte(k))
					if want, wantOK := model[k]; err != nil || ok != wantOK || string(v) != want {
						t.Fatalf("shard %d: Get(%q) = %q, %v, %v inside a transaction; want %q, %v", shard, k, v, ok, err, want, wantOK)
					}
					ops = append(ops, op{k, string(bytes.Repeat([]byte{'v'}, rng.IntN(300)))})
				}
				apply(t, txn, model, ops)
				if rng.IntN(3) == 0 {
					if err := txn.Rollback(); err != nil {
						t.Fatal(err)
					}
					clear(model)
					maps.Copy(model, before)
				}
			}
			// As a state machine does, once an update's entries ran.
			clocks[shard] = rng.Int64()
			sums[shard] = fmt.Appendf(nil, "sum%d", rng.Int())
			if err := txn.SetClock(clocks[shard]); err != nil {
				t.Fatal(err)
			}
			if err := txn.SetChecksum(sums[shard]); err != nil {
				t.Fatal(err)
			}
			index[shard]++
			if err := txn.Commit(index[shard]); err != nil {
				t.Fatal(err)
			}
			txn.Close()
			check(t, db, shard, model, clocks[shard], sums[shard])
		}
	}

	run(1, 100)
	run(2, 50)
	var snap bytes.Buffer
	if err := db.Snapshot(1).WriteTo(&snap, nil); err != nil {
		t.Fatal(err)
	}
	atSnapshot, clockAt, sumAt := maps.Clone(models[1]), clocks[1], sums[1]
	run(1, 100) // the cache now holds values the snapshot does not
	if err := db.Recover(1, bytes.NewReader(snap.Bytes()), nil); err != nil {
		t.Fatal(err)
	}
	models[1], clocks[1], sums[1] = atSnapshot, clockAt, sumAt
	index[1] = 100
	check(t, db, 1, models[1], clocks[1], sums[1])
	run(1, 50)
	check(t, db, 2, models[2], clocks[2], sums[2])
	if err := db.DeleteShard(1); err != nil {
		t.Fatal(err)
	}
	models[1], clocks[1], sums[1] = state{}, 0, nil
	index[1] = 0
	check(t, db, 1, models[1], clocks[1], sums[1])
	run(1, 20)
	run(2, 20)
}

// check compares what a new transaction reads of every key, and the
// shard's stored bytes, clock and checksum, with model, clock and sum,
// which the committed state must hold.
func check(t *testing.T, db *store.DB, shard uint64, model state, clock int64, sum []byte) {
	t.Helper()
	if got := viewState(t, db, shard); !maps.Equal(got, model) {
		t.Fatalf("shard %d: committed state differs from the model", shard)
	}
	txn := db.Txn(shard)
	defer txn.Close()
	if got, err := txn.Clock(); err != nil || got != clock {
		t.Fatalf("shard %d: a transaction reads the clock %d, %v; the store holds %d", shard, got, err, clock)
	}
	if got, err := txn.Checksum(); err != nil || !bytes.Equal(got, sum) {
		t.Fatalf("shard %d: a transaction reads the checksum %q, %v; the store holds %q", shard, got, err, sum)
	}
	for i := range 1000 {
		k := fmt.Sprintf("k%03d", i)
		v, ok, err := txn.Get([]byte(k))
		if want, wantOK := model[k]; err != nil || ok != wantOK || string(v) != want {
			t.Fatalf("shard %d: Get(%q) = %q, %v, %v; the store holds %q, %v", shard, k, v, ok, err, want, wantOK)
		}
	}
	var want uint64
	for k, v := range model {
		want += uint64(len(k) + len(v))
	}
	view := db.View(shard)
	defer view.Close()
	if got, err := view.StoredBytes(); err != nil || got != want {
		t.Fatalf("shard %d: stored bytes %d, %v; the keys and values hold %d", shard, got, err, want)
	}
}
