package loadgen

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	t.Parallel()
	var calls atomic.Uint64
	seen := make([]atomic.Uint64, 4) // each client's next seq
	var progress strings.Builder
	r, err := Run(context.Background(), Config{Clients: 4, Warmup: 100 * time.Millisecond, Duration: 1500 * time.Millisecond, Progress: &syncWriter{b: &progress}},
		func(_ context.Context, client int, seq uint64) error {
			if got := seen[client].Add(1) - 1; got != seq {
				t.Errorf("client %d: seq %d, want %d", client, seq, got)
			}
			time.Sleep(time.Millisecond)
			if calls.Add(1)%10 == 0 {
				return errors.New("every tenth fails")
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if r.Clients != 4 || r.Requests == 0 || r.Errors == 0 || r.FirstError != "every tenth fails" {
		t.Errorf("result %+v: want 4 clients, requests, and errors that say why", r)
	}
	if r.Requests+r.Errors > calls.Load() {
		t.Errorf("%d measured, %d made: the warm-up's must not count", r.Requests+r.Errors, calls.Load())
	}
	if want := calls.Load() - calls.Load()/10; r.Answered != want || r.Answered <= r.Requests {
		t.Errorf("%d answered in the whole run, %d measured; want the %d calls that did not fail, warm-up included", r.Answered, r.Requests, want)
	}
	if r.Seconds != 1.5 || r.PerSecond != float64(r.Requests)/1.5 {
		t.Errorf("%v requests/s over %v s; want requests / 1.5", r.PerSecond, r.Seconds)
	}
	if !(r.P50 >= 1 && r.P50 <= r.P90 && r.P90 <= r.P99 && r.P99 <= r.P999 && r.P999 <= r.Max) {
		t.Errorf("percentiles out of order or below the 1 ms each request sleeps: %+v", r)
	}
	if !strings.Contains(progress.String(), "answered") {
		t.Errorf("no progress line in %q", progress.String())
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{Clients: 0, Duration: time.Second}, {Clients: 1}, {Clients: 1, Duration: time.Second, Warmup: -1}} {
		if _, err := Run(context.Background(), cfg, func(context.Context, int, uint64) error { return nil }); err == nil {
			t.Errorf("Run(%+v) succeeded", cfg)
		}
	}
}

func TestRunStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Run(ctx, Config{Clients: 2, Duration: time.Hour}, func(ctx context.Context, _ int, _ uint64) error {
		time.Sleep(time.Millisecond)
		return ctx.Err()
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run after its context ended: %v; want the context's error", err)
	}
}

// syncWriter serializes writes to b, which the progress goroutine and the
// test both touch.
type syncWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
