package wasm

import (
	"errors"
	"fmt"

	"github.com/synodhq/synod/internal/outcome"
)

var (
	// ErrInvalidModule wraps every reason a module is refused at upload.
	ErrInvalidModule = outcome.New(outcome.Invalid, outcome.AppliedNo, outcome.CodeInvalidModule, "invalid module")
	// ErrHashMismatch is returned for module bytes that do not hash to the
	// content address they were given under: corrupted, or swapped by
	// someone. They are never compiled or run.
	ErrHashMismatch = outcome.New(outcome.Invalid, outcome.AppliedNo, outcome.CodeHashMismatch, "module bytes do not match their hash")
	// ErrModuleTooLarge is returned for a module over [Config.MaxModuleBytes].
	ErrModuleTooLarge = outcome.New(outcome.OverLimit, outcome.AppliedNo, outcome.CodeModuleTooLarge, "module too large")
	// ErrWatchdog is returned for a call that ran longer than
	// [Config.Watchdog] by the wall clock. Whatever the guest computed is
	// dropped: another machine might have run the same call in time, so
	// its outcome is not a property of the entry. It is a host failure,
	// not a guest outcome.
	ErrWatchdog = errors.New("guest call ran past the watchdog")
	// ErrNoInstance is returned for a query that waited for an instance
	// until its context ended: the host's instances were all busy (see
	// [Config.MaxInstances] and [Config.MemoryBudget]). Trying again
	// later may succeed.
	ErrNoInstance = outcome.New(outcome.Unavailable, outcome.AppliedNo, 0, "no guest instance free on this host")

	// errReleased is returned for a call to a module its last holder
	// released (see [Module.Release]): a shard's replica stopped while
	// a query to it was on its way.
	errReleased = errors.New("module released")

	// ErrInterrupted is returned for a query whose context ended while it
	// ran, wrapped with the context's error ([context.DeadlineExceeded]
	// for a deadline). It is not a guest outcome. Updates are never
	// interrupted.
	ErrInterrupted = errors.New("guest call interrupted")
)

// abiViolation is raised (as a panic, which wazero turns into an error that
// ends the call) by a host function when a guest breaks the ABI.
type abiViolation struct {
	reason string
}

func (v *abiViolation) Error() string { return v.reason }

// violate ends the running guest call. The panic never escapes: wazero
// recovers panics of host functions and returns them from the call as an
// error, which [classify] turns into a [*outcome.Trap].
func violate(format string, args ...any) {
	panic(&abiViolation{reason: fmt.Sprintf(format, args...)})
}

// refusal is raised by a host function when the store refuses a write
// deterministically: the call ends with the refusal as its outcome.
type refusal struct {
	err *outcome.Error
}

func (r *refusal) Error() string { return r.err.Error() }

// hostFailure is raised by a host function when the host itself fails (for
// example a storage error): not the guest's fault, and not deterministic.
type hostFailure struct {
	err error
}

func (h *hostFailure) Error() string { return h.err.Error() }

func (h *hostFailure) Unwrap() error { return h.err }
