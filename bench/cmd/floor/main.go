// Command floor is make bench-floor: what Connect over HTTP/1.1 costs on
// this machine with nothing behind it. With --serve it is that server: a
// process serving Synod's DataService whose Propose and Query answer at
// once. Without, it starts itself so and drives it with synod bench in a
// process of its own, as make bench-compare drives Synod's gateway (which
// also measures this floor beside etcd, round by round). The server's CPU
// per request is the floor under a gateway's, and the requests a second it
// reaches, with the generator beside it, bound what any gateway of this
// shape can serve on this machine.
//
//	floor --synod bin/synod --clients 1,64,256
//	floor --serve 127.0.0.1:7000
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
	serve := flag.String("serve", "", "serve the do-nothing DataService on `ADDR` (host:port) until stopped, and measure nothing")
	synod := flag.String("synod", "synod", "`PATH` of the synod binary, whose bench command makes the load")
	clients := flag.String("clients", "1,64,256", "comma-separated `COUNTS` of clients, one run each")
	duration := flag.Duration("duration", 10*time.Second, "how long each load is measured")
	warmup := flag.Duration("warmup", 2*time.Second, "how long each load runs before it is measured")
	flag.Parse()
	var err error
	if *serve != "" {
		err = procs.ServeFloor(*serve)
	} else {
		err = run(*synod, *clients, *duration, *warmup)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(synod, clients string, duration, warmup time.Duration) error {
	var counts []int
	for _, field := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return fmt.Errorf("--clients: %q is not a count of clients", field)
		}
		counts = append(counts, n)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "synod-bench-floor-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	fc, err := procs.StartFloor(ctx, self, dir)
	if err != nil {
		return err
	}
	defer fc.Stop()

	fmt.Printf("| clients | requests /s | p50 ms | p99 ms | CPU µs a request, server + generator |\n| ---: | ---: | ---: | ---: | --- |\n")
	for _, n := range counts {
		r, err := procs.Measure(ctx, fc.Procs, nil, synod, "--addr", fc.URL, "bench", "floor",
			"--clients", strconv.Itoa(n), "--duration", duration.String(), "--warmup", warmup.String(), "--json")
		if err != nil {
			return fmt.Errorf("%d clients: %w", n, err)
		}
		if r.Errors > 0 || r.Answered == 0 {
			return fmt.Errorf("%d clients: %v errors, %v answered", n, r.Errors, r.Answered)
		}
		server, generator := r.CPUPerRequest()
		fmt.Printf("| %d | %.0f | %.2f | %.2f | %.0f + %.0f |\n", n, r.PerSecond, r.P50, r.P99, server, generator)
	}
	return nil
}
