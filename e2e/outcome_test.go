package e2e

import (
	"context"
	"errors"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestProposeFailureSaysApplied checks that every failed Propose carries a
// ProposeFailure detail saying whether its command was applied, through
// the real gateway, in process and over the internal API.
func TestProposeFailureSaysApplied(t *testing.T) { forEachTransport(t, testProposeFailureSaysApplied) }

func testProposeFailureSaysApplied(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	c.kvShard(t, "kv", 3)
	tests := []struct {
		name    string
		shard   string
		cmd     kvCmd
		code    connect.Code
		applied synodv1.Applied
	}{
		{name: "no shard named", shard: "", cmd: kvCmd{Op: "put", Key: "k"}, code: connect.CodeInvalidArgument, applied: synodv1.Applied_APPLIED_NO},
		{name: "unknown shard", shard: "nope", cmd: kvCmd{Op: "put", Key: "k"}, code: connect.CodeNotFound, applied: synodv1.Applied_APPLIED_NO},
		{name: "module rejects", shard: "kv", cmd: kvCmd{Op: "put_then_fail", Key: "k", Value: "v"}, code: connect.CodeFailedPrecondition, applied: synodv1.Applied_APPLIED_YES},
		{name: "module traps", shard: "kv", cmd: kvCmd{Op: "put_then_trap", Key: "k", Value: "v"}, code: connect.CodeAborted, applied: synodv1.Applied_APPLIED_YES},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.propose(context.Background(), tt.shard, tt.cmd)
			var ce *connect.Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a Connect error", err)
			}
			if ce.Code() != tt.code {
				t.Errorf("code %v, want %v (%v)", ce.Code(), tt.code, err)
			}
			if got := proposeApplied(t, ce); got != tt.applied {
				t.Errorf("applied %v, want %v", got, tt.applied)
			}
		})
	}
}

// proposeApplied returns what the ProposeFailure detail of a failed
// Propose says; it fails the test if the error has none.
func proposeApplied(tb testing.TB, ce *connect.Error) synodv1.Applied {
	tb.Helper()
	pf, ok := errorDetail[*synodv1.ProposeFailure](ce)
	if !ok {
		tb.Fatalf("error %v has no ProposeFailure detail", ce)
	}
	return pf.GetApplied()
}

// errorDetail returns the first detail of type T of a Connect error.
func errorDetail[T any](ce *connect.Error) (T, bool) {
	for _, d := range ce.Details() {
		v, err := d.Value()
		if t, ok := v.(T); err == nil && ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}
