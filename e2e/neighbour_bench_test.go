package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
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

// heavyShards is how many shards of BenchmarkNeighbour's heavy case loop
// at the largest fuel budget at once.
const heavyShards = 4

// BenchmarkNeighbour measures the propose latency of a kv shard (8
// clients), and the latency of /healthz, with the kv shard alone; beside
// a shard at the default budget whose every command loops until its fuel
// runs out (2 clients proposing without pause; issue 4's goal: the
// neighbour's p99 within 2× its baseline); and beside heavyShards shards
// looping at the largest budget, one client each (issue 11: they take
// turns in each host's heavy-call slots, and leave the neighbour and the
// health endpoint alone; a command that waits its turn past the
// gateway's deadline counts as a timeout). In process: three hosts, the gateway and the
// clients share the machine.
func BenchmarkNeighbour(b *testing.B) {
	c := sharedCluster(b)
	adversaryOnce.Do(func() {
		ctx := context.Background()
		up, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(b, adversary)}))
		if err != nil {
			b.Fatalf("upload adversary: %v", err)
		}
		shards := []*synodv1.CreateShardRequest{{Name: "adversary", ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 3}}
		for i := range heavyShards {
			shards = append(shards, &synodv1.CreateShardRequest{
				Name: fmt.Sprintf("heavy-%d", i), ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 3, FuelLimit: 1_000_000_000,
			})
		}
		for _, s := range shards {
			if _, err := c.shards.CreateShard(ctx, connect.NewRequest(s)); err != nil {
				b.Fatalf("create shard %s: %v", s.GetName(), err)
			}
		}
	})
	for _, beside := range []struct {
		name   string
		shards []string
	}{
		{"alone", nil},
		{"beside-a-looping-shard", []string{"adversary", "adversary"}},
		{"beside-heavy-shards", heavyNames()},
	} {
		b.Run(beside.name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var loops, throttled, timedOut, unexpected atomic.Int64
			var firstUnexpected atomic.Pointer[string]
			for _, shard := range beside.shards {
				wg.Go(func() {
					for ctx.Err() == nil {
						_, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: shard, Command: []byte("loop")}))
						exhausted := connect.CodeOf(err) == connect.CodeResourceExhausted
						switch {
						case exhausted && strings.Contains(err.Error(), "out of fuel"):
							loops.Add(1)
						case exhausted && strings.Contains(err.Error(), "fuel rate"):
							throttled.Add(1)
						case connect.CodeOf(err) == connect.CodeDeadlineExceeded && ctx.Err() == nil:
							// It waited its turn in the heavy-call slots
							// past the gateway's deadline.
							timedOut.Add(1)
						case ctx.Err() == nil:
							unexpected.Add(1)
							msg := fmt.Sprint(err)
							firstUnexpected.CompareAndSwap(nil, &msg)
						}
					}
				})
			}
			var health []time.Duration
			wg.Go(func() {
				for ctx.Err() == nil {
					start := time.Now()
					res, err := http.Get(c.URL() + "/healthz")
					if err == nil {
						_ = res.Body.Close()
						health = append(health, time.Since(start))
					}
					time.Sleep(10 * time.Millisecond)
				}
			})
			start := time.Now()
			runClients(b, 8, func(ctx context.Context, i int64) error {
				_, err := c.propose(ctx, "bench", kvCmd{Op: "put", Key: fmt.Sprintf("n-%d", i%1000), Value: value64})
				return err
			})
			elapsed := time.Since(start)
			cancel()
			wg.Wait()
			slices.Sort(health)
			b.ReportMetric(float64(percentile(health, 0.99).Microseconds())/1000, "healthz-p99-ms")
			if len(beside.shards) > 0 {
				b.ReportMetric(float64(loops.Load())/elapsed.Seconds(), "loops/s")
				b.ReportMetric(float64(throttled.Load())/elapsed.Seconds(), "throttled/s")
				b.ReportMetric(float64(timedOut.Load())/elapsed.Seconds(), "timeouts/s")
				if n := unexpected.Load(); n > 0 {
					b.Errorf("%d looping commands neither ran out of fuel nor were throttled; the first: %s", n, *firstUnexpected.Load())
				}
			}
		})
	}
}

// heavyNames names the heavy shards of BenchmarkNeighbour.
func heavyNames() []string {
	var names []string
	for i := range heavyShards {
		names = append(names, fmt.Sprintf("heavy-%d", i))
	}
	return names
}
