package link

import (
	"sync"
	"time"
)

// workerIdle is how long a worker waits for its next call before it
// ends.
const workerIdle = 10 * time.Second

// workers runs calls on goroutines that outlive them. A call such as a
// query goes deep (Dragonboat, pebble, a module's host functions), and a
// new goroutine's small stack grew and was copied several times in every
// one: a fifth of a host's CPU under a load of stale queries. A worker
// keeps the stack it grew for its next call. There are never more workers
// than calls in flight at the busiest moment, each ends after workerIdle
// without a call, and all idle ones end when the pool stops.
type workers struct {
	calls chan func()   // unbuffered: a send succeeds only if a worker waits
	stop  chan struct{} // closed when the pool stops
	once  sync.Once
}

func newWorkers() *workers {
	return &workers{calls: make(chan func()), stop: make(chan struct{})}
}

// run runs call on an idle worker, or on a new one if none is idle.
func (w *workers) run(call func()) {
	select {
	case w.calls <- call:
	default:
		go w.work(call)
	}
}

// work runs call, then the calls given to it, until it has waited
// workerIdle for one or the pool stops.
func (w *workers) work(call func()) {
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		call()
		idle.Reset(workerIdle)
		select {
		case call = <-w.calls:
		case <-idle.C:
			return
		case <-w.stop:
			return
		}
	}
}

// close ends the idle workers; those running a call end once it returns.
// The pool still runs calls, each on a goroutine of its own.
func (w *workers) close() {
	w.once.Do(func() { close(w.stop) })
}
