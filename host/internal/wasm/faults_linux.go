package wasm

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// faultWatch tells whether the goroutine that started it took a page
// fault since. It locks the goroutine to its thread until stopped, and
// compares the thread's count of page faults (getrusage RUSAGE_THREAD,
// minor and major) then and when asked: every page fault the thread
// takes, in user code or in the kernel on its behalf, counts, whether or
// not the kernel resolved it alone.
//
// A call's writes to the protected pages of its memory (see
// dirtyTracker) fault on the calling goroutine's thread, since that
// goroutine is the only one that writes the memory while the call runs (a
// write the kernel makes on a task's behalf, in a system call or by
// pinning pages, is that task's fault): with no fault, the call wrote
// none of them, and a reset need not look for them. Any other fault (Go's
// heap growing, say) only makes the reset look.
type faultWatch struct {
	watching bool
	ok       bool // the count at the start was read
	start    int64
}

// watchFaults starts a faultWatch on the calling goroutine, which must
// stop it. Where the kernel does not count a write to a protected page as
// a fault of the writing thread, the watch sees nothing (none is false).
func watchFaults() faultWatch {
	if !countsWriteFaults() {
		return faultWatch{}
	}
	runtime.LockOSThread()
	n, ok := threadFaults()
	return faultWatch{watching: true, ok: ok, start: n}
}

// none reports whether the watched thread took no page fault since the
// watch started; false if the counts could not be read.
func (w faultWatch) none() bool {
	if !w.ok {
		return false
	}
	n, ok := threadFaults()
	return ok && n == w.start
}

// stop unlocks the goroutine from its thread, if the watch locked it.
func (w faultWatch) stop() {
	if w.watching {
		runtime.UnlockOSThread()
	}
}

// countsWriteFaults reports whether the kernel counts a write to a page
// that dirtyTracker protects among the writing thread's page faults.
func countsWriteFaults() bool {
	_, counts := trackingProbe()
	return counts
}

// threadFaults returns the page faults the calling thread has taken.
func threadFaults() (int64, bool) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0, false
	}
	return int64(ru.Minflt) + int64(ru.Majflt), true
}
