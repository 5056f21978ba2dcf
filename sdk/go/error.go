package synod

import (
	"errors"
	"strconv"

	"connectrpc.com/connect"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// Applied says whether a failed command took effect.
type Applied uint8

// Whether a failed command was applied.
const (
	// AppliedUnknown: the command may or may not have been applied (the
	// connection failed, or the call ended, after it may have reached the
	// shard's log). It is the zero value, the safe assumption when nothing
	// says otherwise.
	AppliedUnknown Applied = iota
	// AppliedNo: the command certainly was not applied; sending it again
	// is safe.
	AppliedNo
	// AppliedYes: the command took its place in the log and ran, but the
	// module rejected it or it trapped, so none of its writes were kept.
	// Sending it again runs it again.
	AppliedYes
)

// String names the value as the API does.
func (a Applied) String() string {
	switch a {
	case AppliedNo:
		return "no"
	case AppliedYes:
		return "yes"
	default:
		return "unknown"
	}
}

// appliedOf maps the API's Applied to the SDK's; unspecified is unknown.
func appliedOf(a synodv1.Applied) Applied {
	switch a {
	case synodv1.Applied_APPLIED_NO:
		return AppliedNo
	case synodv1.Applied_APPLIED_YES:
		return AppliedYes
	default:
		return AppliedUnknown
	}
}

// ApplicationError is a module's rejection of a command or query: the
// code and message the module returned.
type ApplicationError struct {
	// Code is the module's error code (the kv example's 409 is a cas
	// mismatch, for instance).
	Code uint32
	// Message is the module's message.
	Message string
}

// Error is the failure of a call. Calls of a [Client] return it wrapped
// (test with [errors.As]); it wraps the [*connect.Error] the call failed
// with, so [connect.CodeOf] works on it too.
type Error struct {
	// Code is the Connect code: [connect.CodeFailedPrecondition] for a
	// module's application error, [connect.CodeAborted] for a trap,
	// [connect.CodeUnavailable] for a shard without a leader or a
	// connection that failed, and so on (docs/api.md).
	Code connect.Code
	// Message says what went wrong.
	Message string
	// Applied says whether a failed command (of Propose or ProposeBatch)
	// was applied. Other calls leave it [AppliedUnknown], or [AppliedNo]
	// when the gateway refused the caller.
	Applied Applied
	// Application is the module's error, when the module rejected the
	// command or query; nil otherwise.
	Application *ApplicationError
	// FuelUsed is the fuel the failed command or query used, as the
	// Synod-Fuel-Used header or the batch result reported it.
	FuelUsed uint64

	err *connect.Error
}

// Error returns the code and the message.
func (e *Error) Error() string { return e.err.Error() }

// Unwrap returns the [*connect.Error] behind e.
func (e *Error) Unwrap() error { return e.err }

// IsApplicationError reports whether err says that a module rejected the
// command or query with an application error ([Error.Application]).
func IsApplicationError(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Application != nil
}

// fuelUsedHeader carries the fuel a Propose or Query used, on its
// failures too.
const fuelUsedHeader = "Synod-Fuel-Used"

// newError makes the [*Error] of a call that failed with err. Applied comes
// from the ProposeFailure detail when the gateway attached one; without
// it, the gateway never decided the call (the connection failed, or a
// proxy answered), so the command's fate is unknown, unless the gateway
// refused the caller, which it does before anything runs.
func newError(err error) *Error {
	ce := asConnectError(err)
	e := &Error{Code: ce.Code(), Message: ce.Message(), err: ce}
	e.FuelUsed, _ = strconv.ParseUint(ce.Meta().Get(fuelUsedHeader), 10, 64)
	if e.Code == connect.CodeUnauthenticated || e.Code == connect.CodePermissionDenied {
		e.Applied = AppliedNo
	}
	for _, d := range ce.Details() {
		switch m := detailValue(d).(type) {
		case *synodv1.ProposeFailure:
			e.Applied = appliedOf(m.GetApplied())
		case *synodv1.ApplicationError:
			e.Application = &ApplicationError{Code: m.GetCode(), Message: m.GetMessage()}
		}
	}
	return e
}

// detailValue decodes an error detail, or returns nil for one of a type
// this client does not know.
func detailValue(d *connect.ErrorDetail) any {
	v, err := d.Value()
	if err != nil {
		return nil
	}
	return v
}

// asConnectError returns the Connect error err is or wraps; every error of
// a generated client is one, and any other becomes one of code unknown.
func asConnectError(err error) *connect.Error {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	return connect.NewError(connect.CodeUnknown, err)
}

// commandError makes the [*Error] of one failed command of a batch.
func commandError(ce *synodv1.CommandError, fuel uint64) *Error {
	var code connect.Code
	if err := code.UnmarshalText([]byte(ce.GetCode())); err != nil {
		code = connect.CodeUnknown
	}
	e := &Error{
		Code: code, Message: ce.GetMessage(), Applied: appliedOf(ce.GetApplied()), FuelUsed: fuel,
		err: connect.NewError(code, errors.New(ce.GetMessage())),
	}
	if ae := ce.GetApplicationError(); ae != nil {
		e.Application = &ApplicationError{Code: ae.GetCode(), Message: ae.GetMessage()}
	}
	return e
}
