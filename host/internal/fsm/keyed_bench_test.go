package fsm_test

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
)

// BenchmarkKeyedBatches measures applying batches of 16 commands, each a
// write of one of 1,000 keys, on a shard that already applied 200,000 of
// them: without idempotency keys, and with keys that rise (as synod
// bench's, which start with the time) or are random (as the SDKs'), of
// which the shard then keeps 200,000, most in the store's tables. The
// difference is what keeping keys costs: looking up a key the shard does
// not have, and keeping it and its expiry. With batch=1, each update
// applies one command, as a shard does under one client's calls: what
// every update costs (its system keys, its commit) is not shared.
func BenchmarkKeyedBatches(b *testing.B) {
	for _, keys := range []string{"none", "rising", "interleaved", "random", "timed"} {
		for _, batch := range []int{16, 1} {
			b.Run(fmt.Sprintf("keys=%s/batch=%d", keys, batch), func(b *testing.B) {
				benchmarkKeyedBatches(b, keys, batch)
			})
		}
	}
}

func benchmarkKeyedBatches(b *testing.B, keys string, batch int) {
	db, err := store.Open(b.TempDir(), store.Options{MemTableBytes: 4 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := fsm.New(1, db, &script{})
	budget := fsm.Budget{Idempotency: fsm.DefaultIdempotency()}
	seq, index := 0, uint64(0)
	var shuffled []int // the rest of this block of 256 keys
	block := -256
	key := func() []byte {
		switch keys {
		case "rising":
			return fmt.Appendf(nil, "bench-%019d", seq)
		case "interleaved":
			if len(shuffled) == 0 {
				shuffled, block = mrand.Perm(256), block+256
			}
			n := block + shuffled[0]
			shuffled = shuffled[1:]
			return fmt.Appendf(nil, "bench-%019d", n)
		case "random":
			return []byte(rand.Text())
		case "timed":
			return fmt.Appendf(nil, "%012x%s", time.Now().UnixMilli(), rand.Text())
		}
		return nil
	}
	apply := func(n int) {
		cmds := make([]fsm.BatchCommand, n)
		for i := range cmds {
			seq++
			cmds[i] = fsm.BatchCommand{Key: key(), Payload: fmt.Appendf(nil, "set k%d v", seq%1000)}
		}
		index++
		es := []sm.Entry{{Index: index, Cmd: fsm.EncodeBatch(int64(index), budget, false, cmds)}}
		if _, err := s.Update(es); err != nil {
			b.Fatal(err)
		}
	}
	for range 200_000 / 16 {
		apply(16)
	}
	b.ResetTimer()
	for range b.N {
		apply(batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(batch*b.N), "ns/command")
}
