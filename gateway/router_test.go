package gateway

import (
	"context"
	"fmt"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/outcome"
)

// TestRetryable checks that the gateway retries a failure that may pass
// only when the call did nothing or is safe to repeat.
func TestRetryable(t *testing.T) {
	t.Parallel()
	unknown := fmt.Errorf("shard 7: %w: proposal timed out", host.ErrUnavailable)
	tests := []struct {
		name  string
		err   error
		level connect.IdempotencyLevel
		want  bool
	}{
		{name: "not leader, write", err: fmt.Errorf("shard 7: %w", host.ErrNotLeader), level: connect.IdempotencyUnknown, want: true},
		{name: "not replica, write", err: host.ErrNotReplica, level: connect.IdempotencyUnknown, want: true},
		{name: "host closed, write", err: host.ErrClosed, level: connect.IdempotencyUnknown, want: true},
		{name: "no host reachable, write", err: errNoHost, level: connect.IdempotencyUnknown, want: true},
		{name: "outcome unknown, write", err: unknown, level: connect.IdempotencyUnknown, want: false},
		{name: "outcome unknown, idempotent", err: unknown, level: connect.IdempotencyIdempotent, want: true},
		{name: "outcome unknown, read", err: unknown, level: connect.IdempotencyNoSideEffects, want: true},
		{name: "application error, read", err: &outcome.AppError{Code: 1}, level: connect.IdempotencyNoSideEffects, want: false},
		{name: "over fuel rate, read", err: host.ErrOverFuelRate, level: connect.IdempotencyNoSideEffects, want: false},
		{name: "not found, read", err: host.ErrShardNotFound, level: connect.IdempotencyNoSideEffects, want: false},
		{name: "deadline, read", err: context.DeadlineExceeded, level: connect.IdempotencyNoSideEffects, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := retryable(tt.err, tt.level); got != tt.want {
				t.Errorf("retryable = %v, want %v", got, tt.want)
			}
		})
	}
}
