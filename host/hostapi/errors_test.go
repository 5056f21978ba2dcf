package hostapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/outcome"
)

// TestErrorsCrossTheWire checks that an error decoded on the client has
// the outcome (kind, whether applied) and the message of the host's, and
// matches exactly the host sentinels the host's error matched.
func TestErrorsCrossTheWire(t *testing.T) {
	t.Parallel()
	all := []error{host.ErrNotReplica, host.ErrNotLeader, host.ErrUnavailable,
		host.ErrClosed, host.ErrTooLarge, host.ErrOverFuelRate, host.ErrInvalidModule, host.ErrModuleTooLarge,
		host.ErrShardNotFound, host.ErrModuleNotFound}
	tests := []struct {
		name    string
		err     error
		kind    outcome.Kind
		applied outcome.Applied
	}{
		{name: "not leader", err: fmt.Errorf("shard 7: %w: replica 2 leads", host.ErrNotLeader), kind: outcome.NotLeader, applied: outcome.AppliedNo},
		{name: "no leader, not applied", err: outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "shard 7: %w: no leader", host.ErrUnavailable), kind: outcome.Unavailable, applied: outcome.AppliedNo},
		{name: "unavailable", err: fmt.Errorf("shard 7: %w: proposal timed out", host.ErrUnavailable), kind: outcome.Unavailable, applied: outcome.AppliedUnknown},
		{name: "not replica", err: fmt.Errorf("shard 7: %w", host.ErrNotReplica), kind: outcome.NotReplica, applied: outcome.AppliedNo},
		{name: "closed", err: host.ErrClosed, kind: outcome.Unavailable, applied: outcome.AppliedNo},
		{name: "too large", err: fmt.Errorf("command of 9 bytes: %w", host.ErrTooLarge), kind: outcome.OverLimit, applied: outcome.AppliedNo},
		{name: "too large, never proposed", err: outcome.WithApplied(fmt.Errorf("shard 7: %w", host.ErrTooLarge), outcome.AppliedNo), kind: outcome.OverLimit, applied: outcome.AppliedNo},
		{name: "over fuel rate", err: fmt.Errorf("shard 7: %w", host.ErrOverFuelRate), kind: outcome.OverLimit, applied: outcome.AppliedNo},
		{name: "invalid module", err: fmt.Errorf("%w: missing export", host.ErrInvalidModule), kind: outcome.Invalid, applied: outcome.AppliedNo},
		{name: "module too large", err: host.ErrModuleTooLarge, kind: outcome.OverLimit, applied: outcome.AppliedNo},
		{name: "catalogue refusal", err: fmt.Errorf("record: %w", outcome.New(outcome.NotFound, outcome.AppliedYes, outcome.CodeShardNotFound, `shard "x" not found`)), kind: outcome.NotFound, applied: outcome.AppliedYes},
		{name: "deadline", err: fmt.Errorf("shard 7: %w", context.DeadlineExceeded), kind: outcome.DeadlineExceeded, applied: outcome.AppliedUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if k, a := outcome.KindOf(tt.err), outcome.AppliedOf(tt.err); k != tt.kind || a != tt.applied {
				t.Fatalf("on the host: (%v, %v), want (%v, %v)", k, a, tt.kind, tt.applied)
			}
			got := decodeError(encodeError(tt.err))
			if k, a := outcome.KindOf(got), outcome.AppliedOf(got); k != tt.kind || a != tt.applied {
				t.Errorf("on the client: (%v, %v), want (%v, %v)", k, a, tt.kind, tt.applied)
			}
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
	var ae *outcome.AppError
	if got := decodeError(encodeError(fmt.Errorf("propose: %w", &outcome.AppError{Code: 409, Message: "cas"}))); !errors.As(got, &ae) || ae.Code != 409 || ae.Message != "cas" {
		t.Fatalf("application error came back as %v", got)
	}
	var trap *outcome.Trap
	if got := decodeError(encodeError(&outcome.Trap{Reason: "unreachable"})); !errors.As(got, &trap) || trap.Reason != "unreachable" || trap.OutOfFuel {
		t.Fatalf("trap came back as %v", got)
	}
	if got := decodeError(encodeError(&outcome.Trap{Reason: "out of fuel", OutOfFuel: true})); !errors.As(got, &trap) || !trap.OutOfFuel {
		t.Fatalf("out of fuel came back as %v", got)
	}
}

func TestTransportFailures(t *testing.T) {
	t.Parallel()
	dial := connect.NewError(connect.CodeUnavailable, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")})
	if got := decodeError(dial); outcome.KindOf(got) != outcome.Unavailable || outcome.AppliedOf(got) != outcome.AppliedNo {
		t.Fatalf("a refused dial decoded as %v (%v, %v): want unavailable, not applied (never sent)", got, outcome.KindOf(got), outcome.AppliedOf(got))
	}
	reset := connect.NewError(connect.CodeUnavailable, &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset")})
	if got := decodeError(reset); outcome.KindOf(got) != outcome.Unavailable || outcome.AppliedOf(got) != outcome.AppliedUnknown {
		t.Fatalf("a reset connection decoded as %v (%v, %v): want unavailable, maybe applied", got, outcome.KindOf(got), outcome.AppliedOf(got))
	}
}

// TestHostResetsConnection checks that a host that resets the connection
// during a call, as one that is killed does, fails the call as a host that
// went away, whose command may have been applied: connect-go calls a
// reset "canceled", as if the caller had given up, which nobody retries.
func TestHostResetsConnection(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		if err := conn.(*net.TCPConn).SetLinger(0); err != nil { // close with a reset
			t.Errorf("set linger: %v", err)
		}
		conn.Close()
	}))
	defer srv.Close()
	_, err := NewClient(1, srv.URL, srv.Client()).Propose(t.Context(), 1, host.Command{Payload: []byte("cmd")})
	if outcome.KindOf(err) != outcome.Unavailable || outcome.AppliedOf(err) != outcome.AppliedUnknown {
		t.Fatalf("a reset connection failed the call with %v (%v, %v): want unavailable, maybe applied", err, outcome.KindOf(err), outcome.AppliedOf(err))
	}
}
