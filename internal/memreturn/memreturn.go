// Package memreturn has Go give the memory a process freed back to the
// system, soon after the free and once for a burst of them.
//
// Go keeps freed heap for reuse and returns it to the system only slowly
// (its scavenger), and memory held by objects that died since the last
// collection is not even free until the next, which an idle process may
// not run for two minutes. A host that drops something large (a module,
// a replica going to sleep) would hold on to it, resident, for that long.
package memreturn

import (
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// Delay is how long after a call to [Soon] the memory is returned: the
// frees of that time are returned together, at the cost of one forced
// collection. Gap is the least time between two returns: a host whose
// replicas hibernate one after another, every few seconds, forces a
// collection every 30 s, not every Delay.
const (
	Delay = 5 * time.Second
	Gap   = 30 * time.Second
)

var (
	mu   sync.Mutex
	due  bool      // a return is scheduled
	last time.Time // when the last return began
)

// Soon has Go return freed memory to the system Delay from now, or Gap
// after the last return if that is later, unless a return is already
// due.
func Soon() {
	mu.Lock()
	defer mu.Unlock()
	if due {
		return
	}
	due = true
	wait := max(Delay, time.Until(last.Add(Gap)))
	time.AfterFunc(wait, func() {
		mu.Lock()
		due, last = false, time.Now()
		mu.Unlock()
		// Twice: what sync.Pools hold (wazero's and the serving code's
		// buffers) survives one collection.
		runtime.GC()
		debug.FreeOSMemory()
	})
}
