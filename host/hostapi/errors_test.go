package hostapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
)

// TestErrorsCrossTheWire checks that an error decoded on the client
// matches exactly the host sentinels the host's error matched.
func TestErrorsCrossTheWire(t *testing.T) {
	t.Parallel()
	all := []error{host.ErrNotReplica, host.ErrNotLeader, host.ErrNotApplied, host.ErrUnavailable,
		host.ErrClosed, host.ErrTooLarge, host.ErrInvalidModule, host.ErrModuleTooLarge}
	tests := []struct {
		name string
		err  error
	}{
		{name: "not leader, not applied", err: fmt.Errorf("shard 7: %w: %w: replica 2 leads", host.ErrNotApplied, host.ErrNotLeader)},
		{name: "unavailable", err: fmt.Errorf("shard 7: %w: proposal dropped", host.ErrUnavailable)},
		{name: "not replica", err: fmt.Errorf("shard 7: %w", host.ErrNotReplica)},
		{name: "closed", err: host.ErrClosed},
		{name: "too large", err: fmt.Errorf("command of 9 bytes: %w", host.ErrTooLarge)},
		{name: "invalid module", err: fmt.Errorf("%w: missing export", host.ErrInvalidModule)},
		{name: "module too large", err: host.ErrModuleTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := decodeError(encodeError(tt.err))
			for _, s := range all {
				if errors.Is(got, s) != errors.Is(tt.err, s) {
					t.Errorf("errors.Is(%v) = %v on the client, %v on the host", s, errors.Is(got, s), errors.Is(tt.err, s))
				}
			}
			if got.Error() != tt.err.Error() {
				t.Errorf("message %q, want %q", got.Error(), tt.err.Error())
			}
		})
	}
}

func TestModuleOutcomesCrossTheWire(t *testing.T) {
	t.Parallel()
	var ae *host.AppError
	if got := decodeError(encodeError(fmt.Errorf("propose: %w", &wasm.AppError{Code: 409, Message: "cas"}))); !errors.As(got, &ae) || ae.Code != 409 || ae.Message != "cas" {
		t.Fatalf("application error came back as %v", got)
	}
	var trap *host.Trap
	if got := decodeError(encodeError(&wasm.Trap{Reason: "unreachable"})); !errors.As(got, &trap) || trap.Reason != "unreachable" {
		t.Fatalf("trap came back as %v", got)
	}
	notFound := meta.FromResult(&wasm.AppError{Code: 2, Message: `shard "x" not found`})
	if got := decodeError(encodeError(notFound)); !errors.Is(got, host.ErrShardNotFound) || got.Error() != `shard "x" not found` {
		t.Fatalf("catalogue error came back as %v", got)
	}
	if got := decodeError(encodeError(context.DeadlineExceeded)); !errors.Is(got, context.DeadlineExceeded) {
		t.Fatalf("deadline came back as %v", got)
	}
}

func TestTransportFailures(t *testing.T) {
	t.Parallel()
	dial := connect.NewError(connect.CodeUnavailable, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")})
	if got := decodeError(dial); !errors.Is(got, host.ErrClosed) || errors.Is(got, host.ErrUnavailable) {
		t.Fatalf("a refused dial decoded as %v: want ErrClosed (never sent, safe to retry)", got)
	}
	reset := connect.NewError(connect.CodeUnavailable, &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset")})
	if got := decodeError(reset); !errors.Is(got, host.ErrUnavailable) || errors.Is(got, host.ErrClosed) || errors.Is(got, host.ErrNotApplied) {
		t.Fatalf("a reset connection decoded as %v: want ErrUnavailable (fate unknown)", got)
	}
}
