// Package outcome is Synod's one vocabulary for how a call ended, shared
// by every layer from the wasm runtime to the gateway: what kind of
// failure it was ([Kind]), and, for a command, whether it was applied
// ([Applied]). Every layer returns errors that carry these, so that the
// gateway, the internal API and clients decide retries from data, never
// from message text, and one table ([Kind.Code]) maps outcomes to Connect
// codes.
//
// A module's own outcomes have types of their own, which carry what the
// module said: [*AppError] (the module rejected the call) and [*Trap] (the
// call ended abnormally, or ran out of fuel). Every other failure is an
// [*Error].
package outcome

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
)

// Kind classifies a failed call.
type Kind uint8

// The kinds of failure. Internal is the zero value: a failure nothing
// classified is Synod's own. The values are recorded in entry results
// (the catalogue's refusals) and cross the internal API: never renumber
// or reuse one.
const (
	// Internal is a failure of Synod itself.
	Internal Kind = 0
	// Application is a module's application error ([*AppError]).
	Application Kind = 1
	// Trapped is a module call that ended abnormally ([*Trap]).
	Trapped Kind = 2
	// OutOfFuel is a module call that used its whole fuel budget
	// ([*Trap] with OutOfFuel set).
	OutOfFuel Kind = 3
	// Invalid is a malformed request, or a module that cannot run.
	Invalid Kind = 4
	// NotFound is a request naming something that does not exist.
	NotFound Kind = 5
	// Exists is a request to create something that already exists.
	Exists Kind = 6
	// Refused is a request the cluster's current state does not allow
	// (a module still in use, too few hosts, a host still needed).
	Refused Kind = 7
	// OverLimit is a request over a size or rate limit; the message says
	// which.
	OverLimit Kind = 8
	// NotLeader is a call made on a host whose replica does not lead the
	// shard.
	NotLeader Kind = 9
	// NotReplica is a call made on a host that runs no replica of the
	// shard.
	NotReplica Kind = 10
	// Unavailable is a shard or host that cannot serve right now (no
	// leader yet, shutting down, unreachable, halted).
	Unavailable Kind = 11
	// DeadlineExceeded is a call whose deadline passed.
	DeadlineExceeded Kind = 12
	// Canceled is a call its caller canceled.
	Canceled Kind = 13
)

// kinds names each kind and gives the Connect code it travels under: the
// one table from outcome to Connect code.
var kinds = [...]struct {
	name string
	code connect.Code
}{
	Internal:         {"internal", connect.CodeInternal},
	Application:      {"application", connect.CodeFailedPrecondition},
	Trapped:          {"trapped", connect.CodeAborted},
	OutOfFuel:        {"out of fuel", connect.CodeResourceExhausted},
	Invalid:          {"invalid", connect.CodeInvalidArgument},
	NotFound:         {"not found", connect.CodeNotFound},
	Exists:           {"exists", connect.CodeAlreadyExists},
	Refused:          {"refused", connect.CodeFailedPrecondition},
	OverLimit:        {"over limit", connect.CodeResourceExhausted},
	NotLeader:        {"not leader", connect.CodeUnavailable},
	NotReplica:       {"not replica", connect.CodeUnavailable},
	Unavailable:      {"unavailable", connect.CodeUnavailable},
	DeadlineExceeded: {"deadline exceeded", connect.CodeDeadlineExceeded},
	Canceled:         {"canceled", connect.CodeCanceled},
}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kinds) {
		return kinds[k].name
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Code returns the Connect code a failure of this kind travels under.
func (k Kind) Code() connect.Code {
	if int(k) < len(kinds) {
		return kinds[k].code
	}
	return connect.CodeInternal
}

// Transient reports whether a failure of this kind may pass if the call
// is made again (perhaps on another host). Whether that is safe depends on
// [Applied] and the call.
func (k Kind) Transient() bool {
	return k == NotLeader || k == NotReplica || k == Unavailable
}

// Codes that tell apart failures of one kind ([Error.Code]), in one list
// so that no two sentinels of a kind share one. The catalogue's codes
// (up to CodeReplicaNotFound) are recorded in the meta shard's log: never
// renumber them.
const (
	CodeModuleNotFound  uint32 = 1
	CodeShardNotFound   uint32 = 2
	CodeShardExists     uint32 = 3
	CodeModuleInUse     uint32 = 4
	CodeInvalidArgument uint32 = 5
	CodeNotEnoughHosts  uint32 = 6
	CodeHostNotFound    uint32 = 7
	CodeHostRemoved     uint32 = 8
	CodeHostInUse       uint32 = 9
	CodeReplicaExists   uint32 = 10
	CodeReplicaNotFound uint32 = 11
	CodeInvalidModule   uint32 = 12
	CodeModuleTooLarge  uint32 = 13
	CodePayloadTooLarge uint32 = 14
	CodeOverFuelRate    uint32 = 15
	CodeHostClosed      uint32 = 16
	CodeHalted          uint32 = 17
	CodeHashMismatch    uint32 = 18
	CodeKeyNotFound     uint32 = 19
	CodeKeyExists       uint32 = 20
	CodeOverQuota       uint32 = 21
	// CodeWriteLimit and CodeStoredLimit are recorded in shards' logs, as
	// the outcome of a command that wrote past its limits (see store).
	CodeWriteLimit  uint32 = 22
	CodeStoredLimit uint32 = 23
	// CodeIdempotencyKeyReused and CodeIdempotencyKeysFull are recorded
	// in shards' logs, as the outcome of a command whose idempotency key
	// was used for another command, or that the shard could not keep
	// (see fsm).
	CodeIdempotencyKeyReused uint32 = 24
	CodeIdempotencyKeysFull  uint32 = 25
	// CodeBatchAborted is recorded in shards' logs, as the outcome of the
	// commands of an atomic batch one of whose commands failed.
	CodeBatchAborted uint32 = 26
)

// Applied says whether a command took effect.
type Applied uint8

// The values cross the internal API: never renumber or reuse one.
const (
	// AppliedUnknown: the command may or may not have been applied (it
	// may have reached the log before the call failed). The zero value:
	// what nothing says otherwise.
	AppliedUnknown Applied = 0
	// AppliedNo: the command was certainly not applied, anywhere; sending
	// it again is safe.
	AppliedNo Applied = 1
	// AppliedYes: the command took its place in the log and ran; a module
	// that rejected it or trapped kept none of its writes.
	AppliedYes Applied = 2
)

// String names the value.
func (a Applied) String() string {
	switch a {
	case AppliedNo:
		return "not applied"
	case AppliedYes:
		return "applied"
	}
	return "maybe applied"
}

// Error is a failure of a call that is not the module's own outcome.
type Error struct {
	// Kind classifies the failure.
	Kind Kind
	// Applied says whether the command, for a Propose, was applied.
	Applied Applied
	// Code tells apart failures of one kind that callers match (for
	// example the catalogue's "shard not found" and "module not found");
	// 0 for most.
	Code uint32
	// Message says what went wrong, for people.
	Message string

	cause error
}

// New returns an error with a fixed message, as sentinels are made.
func New(k Kind, a Applied, code uint32, msg string) *Error {
	return &Error{Kind: k, Applied: a, Code: code, Message: msg}
}

// Errorf returns an error of the given kind whose message is formatted as
// by fmt.Errorf; the errors it wraps with %w stay in its chain.
func Errorf(k Kind, a Applied, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Kind: k, Applied: a, Message: err.Error(), cause: err}
}

// Wrap returns an error with the given message that wraps cause, for an
// error rebuilt from a message that already names its cause.
func Wrap(k Kind, a Applied, msg string, cause error) *Error {
	return &Error{Kind: k, Applied: a, Message: msg, cause: cause}
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the error's cause: what [Errorf] formatted, with the
// errors it wrapped, or what [Wrap] wrapped.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is an [*Error] of the same kind and code, so
// that a sentinel matches every error made from it, on either side of a
// wire. A sentinel of code 0 stands for its whole kind, less the failures
// that have codes of their own.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Code == e.Code
}

// AppError is an application error a module reported. The command's writes
// were rolled back on every replica.
type AppError struct {
	// Code is the module's error code.
	Code uint32
	// Message is the module's error message.
	Message string
}

// Error implements error.
func (e *AppError) Error() string {
	return fmt.Sprintf("application error %d: %s", e.Code, e.Message)
}

// Trap is a module call that ended abnormally: a wasm trap, a panic, an
// ABI violation, proc_exit, or its fuel running out. The outcome is
// deterministic: every replica traps the same way on the same entry, and
// the command's writes were rolled back on every replica.
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

// classify returns the kind of err and whether its command was applied:
// an [*Error] says both; a module's own outcome is of a command that ran;
// a context error's command may or may not have been applied; anything
// else is Internal, its command's fate unknown.
func classify(err error) (Kind, Applied) {
	if err == nil {
		// What the cases below come to, without the allocation of the
		// targets errors.As takes (every successful call asks).
		return Internal, AppliedUnknown
	}
	var (
		e    *Error
		ae   *AppError
		trap *Trap
	)
	switch {
	case errors.As(err, &e):
		return e.Kind, e.Applied
	case errors.As(err, &ae):
		return Application, AppliedYes
	case errors.As(err, &trap) && trap.OutOfFuel:
		return OutOfFuel, AppliedYes
	case errors.As(err, &trap):
		return Trapped, AppliedYes
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded, AppliedUnknown
	case errors.Is(err, context.Canceled):
		return Canceled, AppliedUnknown
	}
	return Internal, AppliedUnknown
}

// KindOf returns the kind of err (see classify); nil is Internal, which
// nothing checks for nil.
func KindOf(err error) Kind {
	k, _ := classify(err)
	return k
}

// WithApplied returns err, of the same kind, saying that its command was
// (or was not) applied: for a layer that knows better than the error it
// got, such as a proposer whose proposal never left.
func WithApplied(err error, a Applied) error {
	var code uint32
	if e := (*Error)(nil); errors.As(err, &e) {
		code = e.Code
	}
	return &Error{Kind: KindOf(err), Applied: a, Code: code, Message: err.Error(), cause: err}
}

// AppliedOf says whether the command whose call failed with err was
// applied (see classify).
func AppliedOf(err error) Applied {
	_, a := classify(err)
	return a
}

// fueled is the error of a call that used fuel before it failed.
type fueled struct {
	error
	fuel uint64
}

func (f *fueled) Unwrap() error { return f.error }

// WithFuel returns err, saying that its call used fuel (a module's
// application error, a trap, a refused write): callers budget with it, as
// with a success's. It returns err itself if it is nil or fuel is 0.
func WithFuel(err error, fuel uint64) error {
	if err == nil || fuel == 0 {
		return err
	}
	return &fueled{err, fuel}
}

// FuelOf returns the fuel the call that failed with err used, as
// [WithFuel] recorded it, or 0.
func FuelOf(err error) uint64 {
	if err == nil {
		return 0 // without the allocation of errors.As's target
	}
	var f *fueled
	if errors.As(err, &f) {
		return f.fuel
	}
	return 0
}
