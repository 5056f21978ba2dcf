package hostapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/outcome"
	hostv1 "github.com/synodhq/synod/proto/synod/host/v1"
)

// encodeError turns a host error into a Connect error, under its kind's
// code, with a HostError detail carrying its outcome.
func encodeError(err error) error {
	if err == nil {
		return nil
	}
	ce := connect.NewError(outcome.KindOf(err).Code(), err)
	if d, derr := connect.NewErrorDetail(detailOf(err)); derr == nil {
		ce.AddDetail(d)
	}
	return ce
}

// detailOf returns the outcome of a host error, which [fromDetail] turns
// back into an error.
func detailOf(err error) *hostv1.HostError {
	detail := &hostv1.HostError{Kind: uint32(outcome.KindOf(err)), Applied: uint32(outcome.AppliedOf(err)), Message: err.Error(), Fuel: outcome.FuelOf(err)}
	var (
		ae   *outcome.AppError
		trap *outcome.Trap
		e    *outcome.Error
	)
	switch {
	case errors.As(err, &ae):
		detail.Code, detail.Message = ae.Code, ae.Message
	case errors.As(err, &trap):
		detail.Message = trap.Reason
	case errors.As(err, &e):
		detail.Code = e.Code
	}
	return detail
}

// decodeError gives back, from a Connect error, an error with the outcome
// of the one the host returned; one without a HostError detail failed on
// the way, and says whether the request could have reached the host.
func decodeError(err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if he, ok := v.(*hostv1.HostError); derr == nil && ok {
			return withFuel(he)
		}
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		// connect-go calls these canceled, as a server whose client went
		// away would: here the host went away, perhaps after applying.
		return outcome.Errorf(outcome.Unavailable, outcome.AppliedUnknown, "connection to host lost: %w", err)
	}
	switch ce.Code() {
	case connect.CodeDeadlineExceeded:
		return fmt.Errorf("%s: %w", ce.Message(), context.DeadlineExceeded)
	case connect.CodeCanceled:
		return fmt.Errorf("%s: %w", ce.Message(), context.Canceled)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "host unreachable: %w", err)
	}
	return outcome.Errorf(outcome.Unavailable, outcome.AppliedUnknown, "call to host failed: %w", err)
}

// withFuel is fromDetail's error, saying what fuel its call used.
func withFuel(he *hostv1.HostError) error {
	return outcome.WithFuel(fromDetail(he), he.GetFuel())
}

// fromDetail rebuilds a host's error from its HostError detail.
func fromDetail(he *hostv1.HostError) error {
	kind, applied := outcome.Kind(he.GetKind()), outcome.Applied(he.GetApplied())
	switch kind {
	case outcome.Application:
		return &outcome.AppError{Code: he.GetCode(), Message: he.GetMessage()}
	case outcome.Trapped, outcome.OutOfFuel:
		return &outcome.Trap{Reason: he.GetMessage(), OutOfFuel: kind == outcome.OutOfFuel}
	case outcome.DeadlineExceeded:
		return outcome.Wrap(kind, applied, he.GetMessage(), context.DeadlineExceeded)
	case outcome.Canceled:
		return outcome.Wrap(kind, applied, he.GetMessage(), context.Canceled)
	}
	return outcome.New(kind, applied, he.GetCode(), he.GetMessage())
}
