package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/outcome"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

func TestToConnect(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name string
		err  error
		code connect.Code
		msg  string
	}{
		{name: "unknown shard", err: fmt.Errorf("lookup: %w", host.ErrShardNotFound), code: connect.CodeNotFound, msg: "shard not found"},
		{name: "unknown module", err: host.ErrModuleNotFound, code: connect.CodeNotFound},
		{name: "taken name", err: host.ErrShardExists, code: connect.CodeAlreadyExists},
		{name: "module in use", err: host.ErrModuleInUse, code: connect.CodeFailedPrecondition},
		{name: "not enough hosts", err: host.ErrNotEnoughHosts, code: connect.CodeFailedPrecondition},
		{name: "host not found", err: host.ErrHostNotFound, code: connect.CodeNotFound},
		{name: "replica not found", err: host.ErrReplicaNotFound, code: connect.CodeNotFound},
		{name: "replica exists", err: host.ErrReplicaExists, code: connect.CodeAlreadyExists},
		{name: "host removed", err: host.ErrHostRemoved, code: connect.CodeFailedPrecondition},
		{name: "host in use", err: host.ErrHostInUse, code: connect.CodeFailedPrecondition},
		{name: "bad argument", err: host.ErrInvalidArgument, code: connect.CodeInvalidArgument},
		{name: "invalid module", err: fmt.Errorf("%w: missing export", host.ErrInvalidModule), code: connect.CodeInvalidArgument, msg: "missing export"},
		{name: "module too large", err: host.ErrModuleTooLarge, code: connect.CodeResourceExhausted},
		{name: "payload too large", err: host.ErrTooLarge, code: connect.CodeResourceExhausted},
		{name: "not leader", err: fmt.Errorf("shard 7: %w", host.ErrNotLeader), code: connect.CodeUnavailable},
		{name: "over fuel rate", err: host.ErrOverFuelRate, code: connect.CodeResourceExhausted},
		{name: "out of fuel", err: &outcome.Trap{Reason: "out of fuel", OutOfFuel: true}, code: connect.CodeResourceExhausted, msg: "rolled back"},
		{name: "application error", err: &outcome.AppError{Code: 1, Message: "no"}, code: connect.CodeFailedPrecondition, msg: "module error 1: no"},
		{name: "unavailable", err: host.ErrUnavailable, code: connect.CodeUnavailable},
		{name: "host closed", err: host.ErrClosed, code: connect.CodeUnavailable},
		{name: "deadline", err: fmt.Errorf("wait: %w", context.DeadlineExceeded), code: connect.CodeDeadlineExceeded},
		{name: "canceled", err: context.Canceled, code: connect.CodeCanceled},
		{name: "trap", err: &outcome.Trap{Reason: "unreachable"}, code: connect.CodeAborted, msg: "module trapped: unreachable"},
		{name: "failed call to a host", err: outcome.Errorf(outcome.Unavailable, outcome.AppliedUnknown, "call to host failed: %w", connect.NewError(connect.CodeUnimplemented, errors.New("404 from a proxy"))), code: connect.CodeUnavailable, msg: "call to host failed"},
		{name: "connect error passes through", err: connect.NewError(connect.CodePermissionDenied, errors.New("no")), code: connect.CodePermissionDenied},
		{name: "unknown error hides detail", err: errors.New("disk on fire at /secret/path"), code: connect.CodeInternal, msg: "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ce *connect.Error
			if !errors.As(toConnect(log, tt.err), &ce) {
				t.Fatalf("toConnect(%v) is not a *connect.Error", tt.err)
			}
			if ce.Code() != tt.code {
				t.Fatalf("code = %v, want %v", ce.Code(), tt.code)
			}
			if !strings.Contains(ce.Message(), tt.msg) {
				t.Fatalf("message %q does not contain %q", ce.Message(), tt.msg)
			}
			if tt.code == connect.CodeInternal && strings.Contains(ce.Message(), "secret") {
				t.Fatalf("internal error leaks detail: %q", ce.Message())
			}
		})
	}
}

func TestToConnectApplicationError(t *testing.T) {
	t.Parallel()
	err := toConnect(slog.Default(), fmt.Errorf("propose: %w", &outcome.AppError{Code: 409, Message: "cas mismatch"}))
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != connect.CodeFailedPrecondition {
		t.Fatalf("got %v, want failed_precondition", err)
	}
	if len(ce.Details()) != 1 {
		t.Fatalf("%d details, want 1", len(ce.Details()))
	}
	v, derr := ce.Details()[0].Value()
	if derr != nil {
		t.Fatal(derr)
	}
	ae, ok := v.(*synodv1.ApplicationError)
	if !ok || ae.GetCode() != 409 || ae.GetMessage() != "cas mismatch" {
		t.Fatalf("detail = %v, want ApplicationError{409, cas mismatch}", v)
	}
}
