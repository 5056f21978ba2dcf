// Package loadgen drives a closed-loop load and measures it: a number of
// clients, each sending its next request as soon as its last one is
// answered, for a set time after a warm-up. It is the engine of synod
// bench and of the etcd side of make bench-compare, so that both sides of
// a comparison are measured by the same code.
package loadgen

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config says how much load to make.
type Config struct {
	// Clients is how many requests are outstanding at any time: each
	// client sends one after another.
	Clients int
	// Warmup is how long the clients run before the measurement starts;
	// its requests count for nothing.
	Warmup time.Duration
	// Duration is how long the measurement lasts.
	Duration time.Duration
	// Progress, when not nil, gets a line a second while the load runs
	// (throughput of the last second, requests and errors so far), each
	// starting with a carriage return so that a terminal shows one line.
	Progress io.Writer
}

// Op sends one request as client (0 to Clients-1), its seq-th.
type Op func(ctx context.Context, client int, seq uint64) error

// Result is what a run measured.
type Result struct {
	Clients int `json:"clients"`
	// Requests answered without error during the measurement.
	Requests uint64 `json:"requests"`
	// Answered counts the requests answered without error in the whole
	// run, warm-up included: what a process's CPU time over the run is
	// divided by, for the CPU a request costs.
	Answered uint64 `json:"answered"`
	// Errors during the measurement, and the first one's message.
	Errors     uint64 `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
	// Seconds the measurement lasted.
	Seconds float64 `json:"seconds"`
	// PerSecond is Requests / Seconds.
	PerSecond float64 `json:"per_second"`
	// Latency percentiles of the answered requests, in milliseconds.
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
}

// String formats r on one line.
func (r Result) String() string {
	s := fmt.Sprintf("%d clients: %.0f/s (%d in %.1f s); p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms",
		r.Clients, r.PerSecond, r.Requests, r.Seconds, r.P50, r.P90, r.P99, r.P999, r.Max)
	if r.Errors > 0 {
		s += fmt.Sprintf("; %d errors, the first: %s", r.Errors, r.FirstError)
	}
	return s
}

// Run runs op from cfg.Clients clients until the warm-up and the
// measurement are over or ctx ends, and returns what it measured. A
// request still outstanding at the end is waited for and not counted. It
// fails only for a bad cfg or when ctx ends first.
func Run(ctx context.Context, cfg Config, op Op) (Result, error) {
	if cfg.Clients < 1 || cfg.Duration <= 0 || cfg.Warmup < 0 {
		return Result{}, fmt.Errorf("loadgen: need at least 1 client and a positive duration, not %d clients for %v", cfg.Clients, cfg.Duration)
	}
	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)
	var (
		wg       sync.WaitGroup
		done     atomic.Uint64 // answered, measured or not, for the progress line
		failed   atomic.Uint64 // errors, measured or not
		firstMu  sync.Mutex
		firstErr error
	)
	latencies := make([][]time.Duration, cfg.Clients) // each client's measured ones
	errs := make([]uint64, cfg.Clients)               // each client's measured errors
	for c := range cfg.Clients {
		wg.Go(func() {
			for seq := uint64(0); ; seq++ {
				t0 := time.Now()
				if !t0.Before(end) || ctx.Err() != nil {
					return
				}
				err := op(ctx, c, seq)
				t1 := time.Now()
				measured := !t0.Before(measureFrom) && t1.Before(end)
				if err != nil {
					failed.Add(1)
					if measured {
						errs[c]++
						firstMu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						firstMu.Unlock()
					}
					continue
				}
				done.Add(1)
				if measured {
					latencies[c] = append(latencies[c], t1.Sub(t0))
				}
			}
		})
	}
	stopProgress := progress(cfg.Progress, start, &done, &failed)
	wg.Wait()
	stopProgress()
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("loadgen: %w", err)
	}
	r := summarize(cfg, latencies, errs, firstErr)
	r.Answered = done.Load()
	return r, nil
}

// summarize merges the clients' measurements.
func summarize(cfg Config, latencies [][]time.Duration, errs []uint64, firstErr error) Result {
	all := slices.Concat(latencies...)
	slices.Sort(all)
	r := Result{Clients: cfg.Clients, Requests: uint64(len(all)), Seconds: cfg.Duration.Seconds()}
	for _, n := range errs {
		r.Errors += n
	}
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}
	r.PerSecond = float64(r.Requests) / r.Seconds
	if len(all) > 0 {
		ms := func(q float64) float64 {
			i := min(int(q*float64(len(all))), len(all)-1)
			return float64(all[i]) / float64(time.Millisecond)
		}
		r.P50, r.P90, r.P99, r.P999 = ms(0.50), ms(0.90), ms(0.99), ms(0.999)
		r.Max = float64(all[len(all)-1]) / float64(time.Millisecond)
	}
	return r
}

// progress writes a line a second to w until the returned func is called.
func progress(w io.Writer, start time.Time, done, failed *atomic.Uint64) (stop func()) {
	if w == nil {
		return func() {}
	}
	quit, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last := uint64(0)
		for {
			select {
			case <-quit:
				fmt.Fprintln(w)
				return
			case <-tick.C:
				n := done.Load()
				fmt.Fprintf(w, "\r%5.0f s  %8d/s  %10d answered  %6d errors", time.Since(start).Seconds(), n-last, n, failed.Load())
				last = n
			}
		}
	}()
	return func() { close(quit); <-exited }
}
