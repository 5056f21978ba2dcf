package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// adversary is the wasm package's misbehaving test guest; its "loop" op
// loops until its fuel runs out.
const adversary = "github.com/synodhq/synod/host/internal/wasm/testdata/adversary"

var adversaryOnce sync.Once

// BenchmarkNeighbour measures the propose latency of a kv shard (8
// clients) alone, and beside a shard whose every command loops until its
// fuel runs out (2 clients proposing without pause). Issue 4's goal: the
// neighbour's p99 within 2× its baseline.
func BenchmarkNeighbour(b *testing.B) {
	c := sharedCluster(b)
	adversaryOnce.Do(func() {
		ctx := context.Background()
		up, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(b, adversary)}))
		if err != nil {
			b.Fatalf("upload adversary: %v", err)
		}
		if _, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
			Name: "adversary", ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 3,
		})); err != nil {
			b.Fatalf("create adversary shard: %v", err)
		}
	})
	for _, beside := range []bool{false, true} {
		name := "alone"
		if beside {
			name = "beside-a-looping-shard"
		}
		b.Run(name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var loops, throttled, unexpected atomic.Int64
			if beside {
				for range 2 {
					wg.Go(func() {
						for ctx.Err() == nil {
							_, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "adversary", Command: []byte("loop")}))
							exhausted := connect.CodeOf(err) == connect.CodeResourceExhausted
							switch {
							case exhausted && strings.Contains(err.Error(), "out of fuel"):
								loops.Add(1)
							case exhausted && strings.Contains(err.Error(), "fuel rate"):
								throttled.Add(1)
							case ctx.Err() == nil:
								unexpected.Add(1)
							}
						}
					})
				}
			}
			start := time.Now()
			runClients(b, 8, func(ctx context.Context, i int64) error {
				_, err := c.propose(ctx, "bench", kvCmd{Op: "put", Key: fmt.Sprintf("n-%d", i%1000), Value: value64})
				return err
			})
			elapsed := time.Since(start)
			cancel()
			wg.Wait()
			if beside {
				b.ReportMetric(float64(loops.Load())/elapsed.Seconds(), "loops/s")
				b.ReportMetric(float64(throttled.Load())/elapsed.Seconds(), "throttled/s")
				if n := unexpected.Load(); n > 0 {
					b.Errorf("%d looping commands neither ran out of fuel nor were throttled", n)
				}
			}
		})
	}
}
