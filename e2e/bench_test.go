package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// The benchmarks share one 3-host dev cluster, started on first use and
// closed by TestMain.
var (
	benchOnce    sync.Once
	benchCluster *cluster
	benchDir     string
)

func TestMain(m *testing.M) {
	// The CLI's credentials file (where synod dev saves its admin key) is
	// the test run's own, inherited by every process the tests start.
	config, err := os.MkdirTemp("", "synod-config-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", config)
	code := m.Run()
	_ = os.RemoveAll(config)
	if benchCluster != nil {
		_ = benchCluster.Close()
		_ = os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func sharedCluster(b *testing.B) *cluster {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "synod-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		c, err := dev.Start(context.Background(), dev.Config{
			DataDir:  dir,
			CacheDir: testwasm.CacheDir(b),
			Listen:   "127.0.0.1:0",
			Hosts:    3,
			Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			b.Fatalf("start dev cluster: %v", err)
		}
		benchCluster = newClients(c)
		benchCluster.kvShard(b, "bench", 3)
		// Wait for a first committed proposal after the election.
		benchCluster.mustPropose(b, "bench", kvCmd{Op: "put", Key: "warm", Value: "up"})
	})
	if benchCluster == nil {
		b.Fatal("no bench cluster")
	}
	return benchCluster
}

// value64 is a 64-byte value.
var value64 = strings.Repeat("v", 64)

// runClients runs b.N operations spread over n concurrent clients and
// reports throughput and latency percentiles.
func runClients(b *testing.B, n int, op func(ctx context.Context, i int64) error) {
	var next atomic.Int64
	lat := make([][]time.Duration, n)
	var failed atomic.Int64
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				t0 := time.Now()
				if err := op(ctx, i); err != nil {
					failed.Add(1)
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d operations failed", f, b.N)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(percentile(all, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(all, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(rssMiB(), "rss-MiB")
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// rssMiB returns this process's resident memory, in MiB.
func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

var clientCounts = []int{1, 16, 64, 256}

// BenchmarkPropose puts 64-byte values through the gateway over HTTP.
func BenchmarkPropose(b *testing.B) {
	c := sharedCluster(b)
	for _, n := range clientCounts {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			runClients(b, n, func(ctx context.Context, i int64) error {
				_, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{
					Shard:   "bench",
					Command: kvCmd{Op: "put", Key: fmt.Sprintf("key-%08d", i%100000), Value: value64}.bytes(),
				}))
				return err
			})
		})
	}
}

// batchSize is how many commands each of BenchmarkProposeBatch's batches
// holds.
const batchSize = 16

// BenchmarkProposeBatch puts 64-byte values through the gateway over HTTP
// in independent batches of batchSize, from 64 clients: compare its
// commands/s with BenchmarkPropose/clients=64's ops/s.
func BenchmarkProposeBatch(b *testing.B) {
	c := sharedCluster(b)
	start := time.Now()
	runClients(b, 64, func(ctx context.Context, i int64) error {
		cmds := make([]*synodv1.BatchCommand, batchSize)
		for j := range cmds {
			key := fmt.Sprintf("key-%08d", (i*batchSize+int64(j))%100000)
			cmds[j] = &synodv1.BatchCommand{Command: kvCmd{Op: "put", Key: key, Value: value64}.bytes()}
		}
		res, err := c.data.ProposeBatch(ctx, connect.NewRequest(&synodv1.ProposeBatchRequest{Shard: "bench", Commands: cmds}))
		if err != nil {
			return err
		}
		for _, r := range res.Msg.GetResults() {
			if r.GetError() != nil {
				return fmt.Errorf("command of a batch: %s", r.GetError().GetMessage())
			}
		}
		return nil
	})
	b.ReportMetric(float64(b.N*batchSize)/time.Since(start).Seconds(), "commands/s")
}

// BenchmarkQuery reads keys through the gateway over HTTP, linearizably,
// stale, and at least at the index of the last write.
func BenchmarkQuery(b *testing.B) {
	c := sharedCluster(b)
	var last uint64
	for i := range 1000 {
		last = c.mustPropose(b, "bench", kvCmd{Op: "put", Key: fmt.Sprintf("key-%08d", i), Value: value64}).GetIndex()
	}
	levels := []struct {
		name     string
		level    synodv1.Consistency
		minIndex uint64
	}{
		{"linearizable", synodv1.Consistency_CONSISTENCY_LINEARIZABLE, 0},
		{"stale", synodv1.Consistency_CONSISTENCY_STALE, 0},
		{"at-least-index", synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX, last},
	}
	for _, l := range levels {
		for _, n := range clientCounts {
			b.Run(fmt.Sprintf("%s/clients=%d", l.name, n), func(b *testing.B) {
				runClients(b, n, func(ctx context.Context, i int64) error {
					_, err := c.data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{
						Shard:       "bench",
						Query:       kvCmd{Op: "get", Key: fmt.Sprintf("key-%08d", i%1000)}.bytes(),
						Consistency: l.level,
						MinIndex:    l.minIndex,
					}))
					return err
				})
			})
		}
	}
}
