// Command compare is make bench-compare: it runs Synod as users deploy it
// (three synod host processes and a synod gateway process) and a
// three-member etcd cluster on this machine, drives both with the same
// loads from separate load-generator processes (synod bench, and
// etcdbench, which measure with the same code), interleaved round by
// round, and prints a table of the medians and their ratios. Beside them
// it runs the same loads against floor's server (a Connect DataService
// that answers at once, in a process of its own): the rate any gateway of
// this shape could reach on this machine in the same hour, whatever stood
// behind it.
//
//	compare --synod bin/synod --etcdbench bin/etcdbench --floor bin/floor --kv examples/kv/kv.wasm
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
	floor := flag.String("floor", "floor", "`PATH` of the floor binary (bench/cmd/floor)")
	kv := flag.String("kv", "examples/kv/kv.wasm", "`FILE` of the kv example module")
	rounds := flag.Int("rounds", 3, "`N` rounds of every load on each side")
	duration := flag.Duration("duration", 10*time.Second, "how long each load is measured")
	warmup := flag.Duration("warmup", 2*time.Second, "how long each load runs before it is measured")
	flag.Parse()
	if err := run(*synod, *etcd, *etcdbench, *floor, *kv, *rounds, *duration, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// side is one of the systems the comparison drives, and what each load
// measured on it, round by round.
type side struct {
	name string
	run  func(load) (procs.Result, error)
	res  [][]procs.Result // by load, then round
}

func run(synod, etcd, etcdbench, floor, kv string, rounds int, duration, warmup time.Duration) error {
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
	fc, err := procs.StartFloor(ctx, floor, dir)
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	defer fc.Stop()
	common := []string{"--duration", duration.String(), "--warmup", warmup.String(), "--json"}
	etcdSide := &side{name: "etcd", run: func(l load) (procs.Result, error) {
		return procs.Measure(ctx, ec.Procs, nil, etcdbench, append([]string{"--endpoints", ec.URL}, append(l.etcd, common...)...)...)
	}}
	synodSide := &side{name: "synod", run: func(l load) (procs.Result, error) {
		args := append([]string{"--addr", sc.URL, "bench", "bench", "--module", kv}, append(l.synod, common...)...)
		return procs.Measure(ctx, sc.Procs, []string{"SYNOD_TOKEN=" + sc.Token}, synod, args...)
	}}
	floorSide := &side{name: "floor", run: func(l load) (procs.Result, error) {
		args := append([]string{"--addr", fc.URL, "bench", "floor"}, append(l.synod, common...)...)
		return procs.Measure(ctx, fc.Procs, nil, synod, args...)
	}}
	sides := []*side{etcdSide, synodSide, floorSide}
	for _, s := range sides {
		s.res = make([][]procs.Result, len(loads))
	}
	for r := range rounds {
		for i, l := range loads {
			// Rotate which goes first, so that none always runs on the
			// machine another just warmed or loaded.
			for k := range sides {
				s := sides[(r+k)%len(sides)]
				fmt.Fprintf(os.Stderr, "round %d/%d, %s, %s\n", r+1, rounds, l.name, s.name)
				res, err := s.run(l)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", s.name, l.name, err)
				}
				s.res[i] = append(s.res[i], res)
			}
		}
	}
	printTables(os.Stdout, rounds, etcdSide.res, synodSide.res, floorSide.res)
	return nil
}

// printTables prints each load's rounds, medians and ratios, then where
// each side's CPU went, as Markdown.
func printTables(w *os.File, rounds int, etcdRes, synodRes, floorRes [][]procs.Result) {
	fmt.Fprintf(w, "\n| load | etcd /s (each round) | Synod /s (each round) | Synod ÷ etcd, median /s | floor ÷ etcd | p50 ms, etcd / Synod | p99 ms, etcd / Synod |\n")
	fmt.Fprintf(w, "| --- | --- | --- | ---: | ---: | --- | --- |\n")
	for i, l := range loads {
		e, s, f := etcdRes[i], synodRes[i], floorRes[i]
		fmt.Fprintf(w, "| %s | %s | %s | %.2f | %.2f | %.2f / %.2f | %.1f / %.1f |\n", l.name,
			each(e), each(s), median(s, perSecond)/median(e, perSecond), median(f, perSecond)/median(e, perSecond),
			median(e, p50), median(s, p50), median(e, p99), median(s, p99))
	}
	fmt.Fprintf(w, "\n| load | etcd: members + generator | Synod: hosts + gateway + generator | floor: server + generator |\n")
	fmt.Fprintf(w, "| --- | --- | --- | --- |\n")
	for i, l := range loads {
		e, s, f := etcdRes[i], synodRes[i], floorRes[i]
		fmt.Fprintf(w, "| %s | %.0f + %.0f | %.0f + %.0f + %.0f | %.0f + %.0f |\n", l.name,
			median(e, serverCPU), median(e, generatorCPU),
			median(s, hostsCPU), median(s, gatewayCPU), median(s, generatorCPU),
			median(f, serverCPU), median(f, generatorCPU))
	}
	fmt.Fprintf(w, "\nMedians of %d interleaved rounds. Errors: etcd %v, Synod %v, floor %v. floor is a Connect server that answers every call at once, driven as Synod's gateway is: floor ÷ etcd is the most any gateway of this shape could reach this hour. CPU: µs a request, the user and system time of each side's processes over the generator's run, divided by the requests it had answered (warm-up included).\n",
		rounds, errorsOf(etcdRes), errorsOf(synodRes), errorsOf(floorRes))
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

// gatewayCPU is Synod's gateway's CPU a request: the last of its
// processes (procs.StartSynod).
func gatewayCPU(r procs.Result) float64 {
	return r.PerRequest(r.ServerCPUs[len(r.ServerCPUs)-1])
}

// hostsCPU is Synod's hosts' CPU a request, together.
func hostsCPU(r procs.Result) float64 {
	return r.PerRequest(r.ServerCPU - r.ServerCPUs[len(r.ServerCPUs)-1])
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
