// Command scale is make bench-scale: how Synod's throughput and latency
// change as one thing grows at a time, in the deployed shape (synod host
// processes, a synod gateway process, the load generator, synod bench, in
// a process of its own). From a base load, kv puts of 64-byte values from
// 64 clients to one shard of a 3-host cluster, it varies the number of
// clients, the size of the values, the number of shards the calls go
// round (each one active), and the number of hosts, and prints a Markdown
// table.
//
//	scale --synod bin/synod --kv examples/kv/kv.wasm
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/synodhq/synod/bench/internal/procs"
)

func main() {
	synod := flag.String("synod", "synod", "`PATH` of the synod binary")
	kv := flag.String("kv", "examples/kv/kv.wasm", "`FILE` of the kv example module")
	clients := flag.String("clients", "1,16,64,256,1024", "comma-separated `NUMBERS` of clients, at one shard and 64-byte values")
	sizes := flag.String("sizes", "64,1024,16384,65536", "comma-separated `BYTES` of each value put, at one shard and 64 clients")
	shards := flag.String("shards", "1,10,100,1000", "comma-separated `NUMBERS` of shards the calls go round, at 64 clients and 64-byte values")
	hosts := flag.String("hosts", "3,5", "comma-separated `NUMBERS` of hosts, each run at the base load")
	duration := flag.Duration("duration", 10*time.Second, "how long each load is measured")
	warmup := flag.Duration("warmup", 2*time.Second, "how long each load runs before it is measured")
	flag.Parse()
	sweeps := map[string][]int{}
	for name, list := range map[string]string{"clients": *clients, "sizes": *sizes, "shards": *shards, "hosts": *hosts} {
		v, err := numbers(list)
		if err != nil {
			fmt.Fprintf(os.Stderr, "scale: --%s: %v\n", name, err)
			os.Exit(2)
		}
		sweeps[name] = v
	}
	if err := run(*synod, *kv, sweeps, *duration, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// numbers parses a comma-separated list of positive numbers.
func numbers(list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("want positive numbers, not %q", list)
		}
		out = append(out, n)
	}
	return out, nil
}

// load is one run of synod bench: what varies from the base load.
type load struct {
	clients, size, shards int
}

var base = load{clients: 64, size: 64, shards: 1}

func run(synod, kv string, sweeps map[string][]int, duration, warmup time.Duration) error {
	ctx := context.Background()
	fmt.Println("| hosts | shards | clients | value bytes | proposes /s | p50 ms | p99 ms | errors |")
	fmt.Println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, n := range sweeps["hosts"] {
		loads := []load{base}
		if n == 3 {
			for _, c := range sweeps["clients"] {
				loads = append(loads, load{clients: c, size: base.size, shards: base.shards})
			}
			for _, s := range sweeps["sizes"] {
				loads = append(loads, load{clients: base.clients, size: s, shards: base.shards})
			}
			for _, s := range sweeps["shards"] {
				loads = append(loads, load{clients: base.clients, size: base.size, shards: s})
			}
		}
		if err := onCluster(ctx, synod, kv, n, dedupe(loads), duration, warmup); err != nil {
			return fmt.Errorf("%d hosts: %w", n, err)
		}
	}
	return nil
}

// dedupe drops the loads that came before, keeping the order.
func dedupe(loads []load) []load {
	seen := map[load]bool{}
	var out []load
	for _, l := range loads {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// onCluster starts a cluster of n hosts and runs each load on it, in
// order, printing a row for each.
func onCluster(ctx context.Context, synod, kv string, n int, loads []load, duration, warmup time.Duration) error {
	dir, err := os.MkdirTemp("", "synod-bench-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	c, err := procs.StartSynod(ctx, synod, dir, n)
	if err != nil {
		return err
	}
	defer c.Stop()
	// Room for every shard, at its default stored-bytes limit, and no
	// namespace rate limit below what the cluster can do.
	if err := c.Run(ctx, "namespace", "set-quota", "--shards", "100000", "--stored-bytes", strconv.Itoa(100000<<28),
		"--requests-per-second", "10000000"); err != nil {
		return err
	}
	for _, l := range loads {
		fmt.Fprintf(os.Stderr, "%d hosts, %d shards, %d clients, %d-byte values\n", n, l.shards, l.clients, l.size)
		r, err := procs.Measure(ctx, c.Procs, []string{"SYNOD_TOKEN=" + c.Token}, synod, "--addr", c.URL, "bench", "scale",
			"--module", kv, "--shards", strconv.Itoa(l.shards), "--clients", strconv.Itoa(l.clients), "--size", strconv.Itoa(l.size),
			"--duration", duration.String(), "--warmup", warmup.String(), "--json")
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %d | %d | %d | %.0f | %.2f | %.1f | %.0f |\n", n, l.shards, l.clients, l.size, r.PerSecond, r.P50, r.P99, r.Errors)
	}
	return nil
}
