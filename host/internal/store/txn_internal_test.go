package store

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble"
)

// TestBatchBytes checks that Txn.Size measures writes as a pebble batch
// holds them: its size decides when a run of entries is committed.
func TestBatchBytes(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	b := new(pebble.Batch)
	want := batchHeaderBytes
	for i := range 2000 {
		// Lengths around each uvarint boundary (128, 16384) and beyond.
		k := bytes.Repeat([]byte{'k'}, 1+rng.IntN(200))
		v := bytes.Repeat([]byte{'v'}, []int{0, 1, 127, 128, 129, 16383, 16384, 20000}[rng.IntN(8)])
		absent := rng.IntN(3) == 0
		if err := write(b, k, v, absent); err != nil {
			t.Fatal(err)
		}
		want += batchBytes(k, v, absent)
		if b.Len() != want || int(b.Count()) != i+1 {
			t.Fatalf("after %d writes: the batch holds %d bytes in %d writes, batchBytes says %d", i+1, b.Len(), b.Count(), want)
		}
	}
}
