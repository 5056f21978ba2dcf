package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// errorCodes maps the host's sentinel errors to Connect codes, first match
// wins. This table and [toConnect] are the only place that does.
var errorCodes = []struct {
	err  error
	code connect.Code
}{
	{host.ErrModuleNotFound, connect.CodeNotFound},
	{host.ErrShardNotFound, connect.CodeNotFound},
	{host.ErrShardExists, connect.CodeAlreadyExists},
	{host.ErrModuleInUse, connect.CodeFailedPrecondition},
	{host.ErrNotEnoughHosts, connect.CodeFailedPrecondition},
	{host.ErrHostNotFound, connect.CodeNotFound},
	{host.ErrReplicaNotFound, connect.CodeNotFound},
	{host.ErrReplicaExists, connect.CodeAlreadyExists},
	{host.ErrHostRemoved, connect.CodeFailedPrecondition},
	{host.ErrHostInUse, connect.CodeFailedPrecondition},
	{host.ErrInvalidArgument, connect.CodeInvalidArgument},
	{host.ErrInvalidModule, connect.CodeInvalidArgument},
	{host.ErrModuleTooLarge, connect.CodeResourceExhausted},
	{host.ErrTooLarge, connect.CodeResourceExhausted},
	{host.ErrOverFuelRate, connect.CodeResourceExhausted},
	{host.ErrNotReplica, connect.CodeUnavailable},
	{host.ErrNotLeader, connect.CodeUnavailable},
	{host.ErrUnavailable, connect.CodeUnavailable},
	{host.ErrNotApplied, connect.CodeUnavailable},
	{host.ErrClosed, connect.CodeUnavailable},
	{context.DeadlineExceeded, connect.CodeDeadlineExceeded},
	{context.Canceled, connect.CodeCanceled},
}

// toConnect turns any error of a call into the Connect error the client
// sees. Unknown errors are logged and reported as Internal without detail.
func toConnect(log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	var ae *host.AppError
	if errors.As(err, &ae) {
		e := connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("module error %d: %s", ae.Code, ae.Message))
		if detail, derr := connect.NewErrorDetail(&synodv1.ApplicationError{Code: ae.Code, Message: ae.Message}); derr == nil {
			e.AddDetail(detail)
		}
		return e
	}
	var trap *host.Trap
	if errors.As(err, &trap) {
		code := connect.CodeAborted
		if trap.OutOfFuel {
			code = connect.CodeResourceExhausted
		}
		return connect.NewError(code, fmt.Errorf("%s; the command's writes were rolled back", trap.Error()))
	}
	for _, m := range errorCodes {
		if errors.Is(err, m.err) {
			return connect.NewError(m.code, err)
		}
	}
	log.Error("internal error", "err", err)
	return connect.NewError(connect.CodeInternal, errors.New("internal error"))
}

// invalid returns an InvalidArgument error for a malformed request.
func invalid(format string, args ...any) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf(format, args...))
}
