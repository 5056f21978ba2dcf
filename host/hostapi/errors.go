package hostapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
	hostv1 "github.com/synodhq/synod/proto/synod/host/v1"
)

// sentinels pairs each host sentinel with its wire kind and the Connect
// code it travels under (the code is for people reading traces; the client
// reads the kinds).
var sentinels = []struct {
	err  error
	kind hostv1.ErrorKind
	code connect.Code
}{
	{host.ErrNotReplica, hostv1.ErrorKind_ERROR_KIND_NOT_REPLICA, connect.CodeUnavailable},
	{host.ErrNotLeader, hostv1.ErrorKind_ERROR_KIND_NOT_LEADER, connect.CodeUnavailable},
	{host.ErrNotApplied, hostv1.ErrorKind_ERROR_KIND_NOT_APPLIED, connect.CodeUnavailable},
	{host.ErrUnavailable, hostv1.ErrorKind_ERROR_KIND_UNAVAILABLE, connect.CodeUnavailable},
	{host.ErrClosed, hostv1.ErrorKind_ERROR_KIND_CLOSED, connect.CodeUnavailable},
	{host.ErrTooLarge, hostv1.ErrorKind_ERROR_KIND_TOO_LARGE, connect.CodeResourceExhausted},
	{host.ErrOverFuelRate, hostv1.ErrorKind_ERROR_KIND_OVER_FUEL_RATE, connect.CodeResourceExhausted},
	{host.ErrInvalidModule, hostv1.ErrorKind_ERROR_KIND_INVALID_MODULE, connect.CodeInvalidArgument},
	{host.ErrModuleTooLarge, hostv1.ErrorKind_ERROR_KIND_MODULE_TOO_LARGE, connect.CodeResourceExhausted},
}

// encodeError turns a host error into a Connect error with a HostError
// detail.
func encodeError(err error) error {
	if err == nil {
		return nil
	}
	detail := &hostv1.HostError{Message: err.Error()}
	code := connect.CodeUnknown
	var ae *host.AppError
	var trap *host.Trap
	switch {
	case errors.As(err, &ae):
		detail.Kinds, detail.Code, detail.Message = []hostv1.ErrorKind{hostv1.ErrorKind_ERROR_KIND_APPLICATION}, ae.Code, ae.Message
		code = connect.CodeFailedPrecondition
	case errors.As(err, &trap):
		detail.Kinds, detail.Message = []hostv1.ErrorKind{hostv1.ErrorKind_ERROR_KIND_TRAP}, trap.Reason
		code = connect.CodeAborted
		if trap.OutOfFuel {
			detail.Kinds = append(detail.Kinds, hostv1.ErrorKind_ERROR_KIND_OUT_OF_FUEL)
			code = connect.CodeResourceExhausted
		}
	case errors.Is(err, context.DeadlineExceeded):
		code = connect.CodeDeadlineExceeded
	case errors.Is(err, context.Canceled):
		code = connect.CodeCanceled
	}
	if c, ok := meta.CodeOf(err); ok {
		detail.Kinds, detail.Code = []hostv1.ErrorKind{hostv1.ErrorKind_ERROR_KIND_CATALOGUE}, c
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			detail.Kinds = append(detail.Kinds, s.kind)
			if code == connect.CodeUnknown {
				code = s.code
			}
		}
	}
	ce := connect.NewError(code, err)
	if d, derr := connect.NewErrorDetail(detail); derr == nil {
		ce.AddDetail(d)
	}
	return ce
}

// decodeError gives back, from a Connect error, an error that matches the
// same host sentinels as the one the host returned.
func decodeError(err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	switch ce.Code() {
	case connect.CodeDeadlineExceeded:
		return fmt.Errorf("%s: %w", ce.Message(), context.DeadlineExceeded)
	case connect.CodeCanceled:
		return fmt.Errorf("%s: %w", ce.Message(), context.Canceled)
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if he, ok := v.(*hostv1.HostError); derr == nil && ok {
			return fromDetail(he, ce.Message())
		}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		// The request never left: the host is down or unreachable.
		return &remoteError{msg: "host unreachable: " + err.Error(), kinds: []error{host.ErrClosed}}
	}
	return &remoteError{msg: "call to host failed: " + err.Error(), kinds: []error{host.ErrUnavailable}}
}

func fromDetail(he *hostv1.HostError, msg string) error {
	var kinds []error
	for _, k := range he.GetKinds() {
		switch k {
		case hostv1.ErrorKind_ERROR_KIND_APPLICATION:
			return &host.AppError{Code: he.GetCode(), Message: he.GetMessage()}
		case hostv1.ErrorKind_ERROR_KIND_TRAP:
			return &host.Trap{Reason: he.GetMessage(), OutOfFuel: slices.Contains(he.GetKinds(), hostv1.ErrorKind_ERROR_KIND_OUT_OF_FUEL)}
		case hostv1.ErrorKind_ERROR_KIND_CATALOGUE:
			return meta.FromResult(&host.AppError{Code: he.GetCode(), Message: he.GetMessage()})
		}
		for _, s := range sentinels {
			if s.kind == k {
				kinds = append(kinds, s.err)
			}
		}
	}
	return &remoteError{msg: msg, kinds: kinds}
}

// remoteError reads as the host's message and matches the host's
// sentinels with errors.Is.
type remoteError struct {
	msg   string
	kinds []error
}

func (e *remoteError) Error() string { return e.msg }

func (e *remoteError) Unwrap() []error { return e.kinds }
