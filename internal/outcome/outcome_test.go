package outcome_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/outcome"
)

func TestKindAndApplied(t *testing.T) {
	t.Parallel()
	notFound := outcome.New(outcome.NotFound, outcome.AppliedYes, outcome.CodeShardNotFound, "shard not found")
	tests := []struct {
		name    string
		err     error
		kind    outcome.Kind
		applied outcome.Applied
	}{
		{name: "sentinel, wrapped", err: fmt.Errorf("lookup: %w", notFound), kind: outcome.NotFound, applied: outcome.AppliedYes},
		{name: "formatted", err: outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "shard %d: no leader", 7), kind: outcome.Unavailable, applied: outcome.AppliedNo},
		{name: "outer outcome wins", err: outcome.WithApplied(fmt.Errorf("x: %w", outcome.New(outcome.Unavailable, outcome.AppliedUnknown, 0, "busy")), outcome.AppliedNo), kind: outcome.Unavailable, applied: outcome.AppliedNo},
		{name: "application error", err: fmt.Errorf("propose: %w", &outcome.AppError{Code: 3}), kind: outcome.Application, applied: outcome.AppliedYes},
		{name: "trap", err: &outcome.Trap{Reason: "unreachable"}, kind: outcome.Trapped, applied: outcome.AppliedYes},
		{name: "out of fuel", err: &outcome.Trap{Reason: "fuel", OutOfFuel: true}, kind: outcome.OutOfFuel, applied: outcome.AppliedYes},
		{name: "deadline", err: fmt.Errorf("wait: %w", context.DeadlineExceeded), kind: outcome.DeadlineExceeded, applied: outcome.AppliedUnknown},
		{name: "deadline, not sent", err: outcome.WithApplied(context.DeadlineExceeded, outcome.AppliedNo), kind: outcome.DeadlineExceeded, applied: outcome.AppliedNo},
		{name: "canceled", err: context.Canceled, kind: outcome.Canceled, applied: outcome.AppliedUnknown},
		{name: "unclassified", err: errors.New("disk on fire"), kind: outcome.Internal, applied: outcome.AppliedUnknown},
		{name: "nil", err: nil, kind: outcome.Internal, applied: outcome.AppliedUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := outcome.KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %v, want %v", got, tt.kind)
			}
			if got := outcome.AppliedOf(tt.err); got != tt.applied {
				t.Errorf("AppliedOf = %v, want %v", got, tt.applied)
			}
		})
	}
}

// TestNoErrorCostsNothing checks that asking what a nil error is (as the
// gateway does of every call that succeeded) allocates nothing.
func TestNoErrorCostsNothing(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if outcome.KindOf(nil) != outcome.Internal || outcome.AppliedOf(nil) != outcome.AppliedUnknown || outcome.FuelOf(nil) != 0 {
			t.Fatal("a nil error is classified differently")
		}
	})
	if allocs != 0 {
		t.Errorf("classifying a nil error allocated %.0f times", allocs)
	}
}

// TestIs checks that a sentinel matches the errors made from it, by kind
// and code, and not another sentinel of its kind.
func TestIs(t *testing.T) {
	t.Parallel()
	shard := outcome.New(outcome.NotFound, outcome.AppliedYes, outcome.CodeShardNotFound, "shard not found")
	module := outcome.New(outcome.NotFound, outcome.AppliedYes, outcome.CodeModuleNotFound, "module not found")
	rebuilt := outcome.New(outcome.NotFound, outcome.AppliedYes, outcome.CodeShardNotFound, `shard "x" not found`)
	if !errors.Is(rebuilt, shard) || errors.Is(rebuilt, module) {
		t.Errorf("errors.Is(rebuilt, shard) = %v, (rebuilt, module) = %v; want true, false", errors.Is(rebuilt, shard), errors.Is(rebuilt, module))
	}
	if err := outcome.WithApplied(fmt.Errorf("lookup: %w", shard), outcome.AppliedNo); !errors.Is(err, shard) || errors.Is(err, module) {
		t.Errorf("WithApplied: errors.Is(err, shard) = %v, (err, module) = %v; want true, false", errors.Is(err, shard), errors.Is(err, module))
	}
	if err := outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "x: %w", context.DeadlineExceeded); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Errorf lost the error it wrapped: %v", err)
	}
}

// TestEveryKindHasACode checks the table from kind to Connect code.
func TestEveryKindHasACode(t *testing.T) {
	t.Parallel()
	for k := outcome.Internal; k <= outcome.Canceled; k++ {
		if k.Code() == 0 || k.String() == "" {
			t.Errorf("kind %d has code %v and name %q", k, k.Code(), k.String())
		}
		if k != outcome.Internal && k.Code() == connect.CodeInternal {
			t.Errorf("kind %v travels as internal", k)
		}
	}
	if got := outcome.Kind(200).Code(); got != connect.CodeInternal {
		t.Errorf("an unknown kind travels as %v, want internal", got)
	}
}
