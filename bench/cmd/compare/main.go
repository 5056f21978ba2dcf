// Command compare is make bench-compare: it runs Synod as users deploy it
// (three synod host processes and a synod gateway process) and a
// three-member etcd cluster on this machine, drives both with the same
// loads from separate load-generator processes (synod bench, and
// etcdbench, which measure with the same code), interleaved round by
// round, and prints a table of the medians and their ratios.
//
//	compare --synod bin/synod --etcdbench bin/etcdbench --kv examples/kv/kv.wasm
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/synodhq/synod/bench/internal/procs"
)

// load is one line of the comparison: the same load as synod bench's and
// etcdbench's flags.
type load struct {
	name        string
	synod, etcd []string
}

// loads are what the comparison runs, in order, every round.
var loads = []load{
	{"put, 1 client", []string{"--op", "propose", "--clients", "1"}, []string{"--op", "put", "--clients", "1"}},
	{"put, 64 clients", []string{"--op", "propose", "--clients", "64"}, []string{"--op", "put", "--clients", "64"}},
	{"put, 256 clients", []string{"--op", "propose", "--clients", "256"}, []string{"--op", "put", "--clients", "256"}},
	{"linearizable get, 256 clients", []string{"--op", "query", "--clients", "256"}, []string{"--op", "get", "--clients", "256"}},
	{"stale get, 256 clients", []string{"--op", "query", "--consistency", "stale", "--clients", "256"}, []string{"--op", "get", "--consistency", "stale", "--clients", "256"}},
}

func main() {
	synod := flag.String("synod", "synod", "`PATH` of the synod binary")
	etcd := flag.String("etcd", "etcd", "`PATH` of the etcd server binary")
	etcdbench := flag.String("etcdbench", "etcdbench", "`PATH` of the etcdbench binary")
	kv := flag.String("kv", "examples/kv/kv.wasm", "`FILE` of the kv example module")
	rounds := flag.Int("rounds", 3, "`N` rounds of every load on both")
	duration := flag.Duration("duration", 10*time.Second, "how long each load is measured")
	warmup := flag.Duration("warmup", 2*time.Second, "how long each load runs before it is measured")
	flag.Parse()
	if err := run(*synod, *etcd, *etcdbench, *kv, *rounds, *duration, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(synod, etcd, etcdbench, kv string, rounds int, duration, warmup time.Duration) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "synod-bench-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(os.Stderr, "data and logs in %s\n", dir)
	sc, err := procs.StartSynod(ctx, synod, dir, 3)
	if err != nil {
		return fmt.Errorf("synod: %w", err)
	}
	defer sc.Stop()
	ec, err := procs.StartEtcd(ctx, etcd, dir)
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer ec.Stop()
	common := []string{"--duration", duration.String(), "--warmup", warmup.String(), "--json"}
	synodRun := func(l load) (procs.Result, error) {
		args := append([]string{"--addr", sc.URL, "bench", "bench", "--module", kv}, append(l.synod, common...)...)
		return procs.Measure(ctx, sc.Procs, []string{"SYNOD_TOKEN=" + sc.Token}, synod, args...)
	}
	etcdRun := func(l load) (procs.Result, error) {
		return procs.Measure(ctx, ec.Procs, nil, etcdbench, append([]string{"--endpoints", ec.URL}, append(l.etcd, common...)...)...)
	}
	synodRes := make([][]procs.Result, len(loads))
	etcdRes := make([][]procs.Result, len(loads))
	for r := range rounds {
		for i, l := range loads {
			// Alternate which goes first, so that neither always runs on
			// the machine the other just warmed or loaded.
			order := []string{"etcd", "synod"}
			if r%2 == 1 {
				slices.Reverse(order)
			}
			for _, who := range order {
				fmt.Fprintf(os.Stderr, "round %d/%d, %s, %s\n", r+1, rounds, l.name, who)
				if who == "synod" {
					res, err := synodRun(l)
					if err != nil {
						return fmt.Errorf("synod, %s: %w", l.name, err)
					}
					synodRes[i] = append(synodRes[i], res)
				} else {
					res, err := etcdRun(l)
					if err != nil {
						return fmt.Errorf("etcd, %s: %w", l.name, err)
					}
					etcdRes[i] = append(etcdRes[i], res)
				}
			}
		}
	}
	printTable(os.Stdout, rounds, synodRes, etcdRes)
	return nil
}

// printTable prints each load's rounds, medians and ratios as Markdown.
func printTable(w *os.File, rounds int, synodRes, etcdRes [][]procs.Result) {
	fmt.Fprintf(w, "\n| load | etcd /s (each round) | Synod /s (each round) | Synod ÷ etcd, median /s | p50 ms, etcd / Synod | p99 ms, etcd / Synod | CPU µs a request, servers + generator, etcd / Synod |\n")
	fmt.Fprintf(w, "| --- | --- | --- | ---: | --- | --- | --- |\n")
	for i, l := range loads {
		e, s := etcdRes[i], synodRes[i]
		fmt.Fprintf(w, "| %s | %s | %s | %.2f | %.2f / %.2f | %.1f / %.1f | %.0f + %.0f / %.0f + %.0f |\n", l.name,
			each(e), each(s), median(s, perSecond)/median(e, perSecond),
			median(e, p50), median(s, p50), median(e, p99), median(s, p99),
			median(e, serverCPU), median(e, generatorCPU), median(s, serverCPU), median(s, generatorCPU))
	}
	fmt.Fprintf(w, "\nMedians of %d interleaved rounds. Errors: etcd %v, Synod %v. CPU: the user and system time of the servers' processes (etcd's members; Synod's hosts and gateway) and of the load generator's, over the generator's run, divided by the requests it had answered (warm-up included).\n", rounds, errorsOf(etcdRes), errorsOf(synodRes))
}

func perSecond(r procs.Result) float64 { return r.PerSecond }
func p50(r procs.Result) float64       { return r.P50 }
func p99(r procs.Result) float64       { return r.P99 }

func serverCPU(r procs.Result) float64 {
	s, _ := r.CPUPerRequest()
	return s
}

func generatorCPU(r procs.Result) float64 {
	_, g := r.CPUPerRequest()
	return g
}

// median returns the median of f over rs.
func median(rs []procs.Result, f func(procs.Result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// each formats every round's throughput.
func each(rs []procs.Result) string {
	var b []byte
	for i, r := range rs {
		if i > 0 {
			b = append(b, " / "...)
		}
		b = strconv.AppendFloat(b, r.PerSecond, 'f', 0, 64)
	}
	return string(b)
}

// errorsOf sums the errors of every load's rounds.
func errorsOf(res [][]procs.Result) float64 {
	var n float64
	for _, rs := range res {
		for _, r := range rs {
			n += r.Errors
		}
	}
	return n
}
