package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofFlag adds --pprof-listen, the loopback address of Go's profiles
// (net/http/pprof) for finding where a server's time goes.
func pprofFlag(fs *flag.FlagSet) *string {
	return fs.String("pprof-listen", "", "serve Go's profiles (/debug/pprof/) on this loopback `ADDR`, for `go tool pprof` (default: off)")
}

// serveProfiles serves /debug/pprof/ on addr until the returned stop is
// called; an empty addr serves nothing. The address must be loopback:
// profiles show a process's internals, and need no key.
func serveProfiles(addr string, stderr io.Writer) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return nil, usagef("--pprof-listen %q: want a loopback HOST:PORT, such as 127.0.0.1:6060", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof-listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "synod: --pprof-listen: %v\n", err)
		}
	}()
	fmt.Fprintf(stderr, "synod: profiles on http://%s/debug/pprof/\n", l.Addr())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
