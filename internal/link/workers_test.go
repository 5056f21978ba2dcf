package link

import (
	"bytes"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/synodhq/synod/internal/testtime"
)

// TestWorkersRunCallsAtOnce checks that calls never wait for each other:
// 64 calls that each block until all have started must all start.
func TestWorkersRunCallsAtOnce(t *testing.T) {
	w := newWorkers()
	defer w.close()
	const n = 64
	var started, release sync.WaitGroup
	started.Add(n)
	release.Add(1)
	for range n {
		w.run(func() { started.Done(); release.Wait() })
	}
	allStarted := make(chan struct{})
	go func() { started.Wait(); close(allStarted) }()
	select {
	case <-allStarted:
	case <-time.After(testtime.Scaled(30 * time.Second)):
		t.Fatal("calls waited for each other: not all 64 started")
	}
	release.Done()
}

// TestWorkersAreReused checks that a worker takes call after call on
// one goroutine, and that closing the pool ends the idle workers.
func TestWorkersAreReused(t *testing.T) {
	before := runtime.NumGoroutine()
	w := newWorkers()
	ids := make(chan string)
	call := func() { ids <- goroutineID() }
	w.run(call)
	first := <-ids
	for i := range 20 {
		waitFor(t, "an idle worker", func() bool {
			select {
			case w.calls <- call:
				return true
			default:
				return false
			}
		})
		if got := <-ids; got != first {
			t.Fatalf("call %d ran on goroutine %s, the first on %s: the worker did not take it", i+2, got, first)
		}
	}
	w.close()
	waitFor(t, "the idle workers to end", func() bool { return runtime.NumGoroutine() <= before })
}

// goroutineID returns the id of the calling goroutine, from its stack's
// first line ("goroutine 7 [running]:").
func goroutineID() string {
	b := make([]byte, 64)
	return string(bytes.Fields(b[:runtime.Stack(b, false)])[1])
}
