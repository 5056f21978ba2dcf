package wasm

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidModule wraps every reason a module is refused at upload.
	ErrInvalidModule = errors.New("invalid module")
	// ErrModuleTooLarge is returned for a module over [Config.MaxModuleBytes].
	ErrModuleTooLarge = errors.New("module too large")
	// ErrWatchdog is returned for a call that ran longer than
	// [Config.Watchdog] by the wall clock. Whatever the guest computed is
	// dropped: another machine might have run the same call in time, so
	// its outcome is not a property of the entry. It is a host failure,
	// not a guest outcome.
	ErrWatchdog = errors.New("guest call ran past the watchdog")
)

// AppError is an application error a guest reported through set_error.
type AppError struct {
	// Code is the guest's error code.
	Code uint32
	// Message is the guest's error message.
	Message string
}

// Error implements error.
func (e *AppError) Error() string {
	return fmt.Sprintf("application error %d: %s", e.Code, e.Message)
}

// Trap is a guest call that ended abnormally: a wasm trap, a panic, an ABI
// violation or proc_exit. The outcome is deterministic: every replica traps
// the same way on the same entry.
type Trap struct {
	// Reason says why, in one line.
	Reason string
	// OutOfFuel is set when the call used its whole fuel budget.
	OutOfFuel bool
}

// Error implements error.
func (t *Trap) Error() string {
	return "module trapped: " + t.Reason
}

// abiViolation is raised (as a panic, which wazero turns into an error that
// ends the call) by a host function when a guest breaks the ABI.
type abiViolation struct {
	reason string
}

func (v *abiViolation) Error() string { return v.reason }

// violate ends the running guest call. The panic never escapes: wazero
// recovers panics of host functions and returns them from the call as an
// error, which [classify] turns into a [*Trap].
func violate(format string, args ...any) {
	panic(&abiViolation{reason: fmt.Sprintf(format, args...)})
}

// hostFailure is raised by a host function when the host itself fails (for
// example a storage error): not the guest's fault, and not deterministic.
type hostFailure struct {
	err error
}

func (h *hostFailure) Error() string { return h.err.Error() }

func (h *hostFailure) Unwrap() error { return h.err }
