// Command floor is make bench-floor: what Connect over HTTP/1.1 costs on
// this machine with nothing behind it. It serves Synod's DataService with
// a Propose that answers at once, and drives it with synod bench in a
// process of its own, as make bench-compare drives Synod's gateway. The
// server's CPU per request is the floor under a gateway's, and the
// requests a second it reaches, with the generator beside it, bound what
// any gateway of this shape can serve on this machine.
//
//	floor --synod bin/synod --clients 1,64,256
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/bench/internal/procs"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

func main() {
	synod := flag.String("synod", "synod", "`PATH` of the synod binary, whose bench command makes the load")
	clients := flag.String("clients", "1,64,256", "comma-separated `COUNTS` of clients, one run each")
	duration := flag.Duration("duration", 10*time.Second, "how long each load is measured")
	warmup := flag.Duration("warmup", 2*time.Second, "how long each load runs before it is measured")
	flag.Parse()
	if err := run(*synod, *clients, *duration, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

// idle is a DataService whose Propose answers at once, with the bytes a
// kv put answers.
type idle struct {
	synodv1connect.UnimplementedDataServiceHandler
}

func (idle) Propose(context.Context, *connect.Request[synodv1.ProposeRequest]) (*connect.Response[synodv1.ProposeResponse], error) {
	return connect.NewResponse(&synodv1.ProposeResponse{Result: []byte(`{"ok":true}`), Index: 1}), nil
}

func run(synod, clients string, duration, warmup time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(synodv1connect.NewDataServiceHandler(idle{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String()

	fmt.Printf("| clients | requests /s | p50 ms | p99 ms | CPU µs a request, server + generator |\n| ---: | ---: | ---: | ---: | --- |\n")
	for _, field := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return fmt.Errorf("--clients: %q is not a count of clients", field)
		}
		before, err := ownCPU()
		if err != nil {
			return err
		}
		r, err := procs.Measure(context.Background(), nil, nil, synod, "--addr", url, "bench", "floor",
			"--clients", strconv.Itoa(n), "--duration", duration.String(), "--warmup", warmup.String(), "--json")
		if err != nil {
			return fmt.Errorf("%d clients: %w", n, err)
		}
		after, err := ownCPU()
		if err != nil {
			return err
		}
		if r.Errors > 0 || r.Answered == 0 {
			return fmt.Errorf("%d clients: %v errors, %v answered", n, r.Errors, r.Answered)
		}
		r.ServerCPU = after - before
		server, generator := r.CPUPerRequest()
		fmt.Printf("| %d | %.0f | %.2f | %.2f | %.0f + %.0f |\n", n, r.PerSecond, r.P50, r.P99, server, generator)
	}
	return nil
}

// ownCPU returns the CPU time this process (the server) has used.
func ownCPU() (time.Duration, error) {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0, errors.Join(errors.New("getrusage"), err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()), nil
}
