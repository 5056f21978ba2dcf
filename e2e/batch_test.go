package e2e

import (
	"context"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestProposeBatch checks batches through the public API: the commands of
// an independent batch succeed or fail each on its own; an atomic batch
// with a failing command keeps nothing, and says why for each command;
// and a batch of keyed commands sent again gets the first results back.
func TestProposeBatch(t *testing.T) {
	forEachTransport(t, testProposeBatch)
}

func testProposeBatch(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	c.kvShard(t, "batch", 3)
	ctx := context.Background()
	wrong := "nope"
	batch := func(atomic bool, cmds ...*synodv1.BatchCommand) *synodv1.ProposeBatchResponse {
		t.Helper()
		res, err := c.data.ProposeBatch(ctx, connect.NewRequest(&synodv1.ProposeBatchRequest{Shard: "batch", Atomic: atomic, Commands: cmds}))
		if err != nil {
			t.Fatalf("propose batch: %v", err)
		}
		if len(res.Msg.GetResults()) != len(cmds) {
			t.Fatalf("%d results for %d commands", len(res.Msg.GetResults()), len(cmds))
		}
		return res.Msg
	}
	cmd := func(key string, k kvCmd) *synodv1.BatchCommand {
		return &synodv1.BatchCommand{Command: k.bytes(), IdempotencyKey: key}
	}

	res := batch(false, cmd("", kvCmd{Op: "put", Key: "a", Value: "1"}), cmd("", kvCmd{Op: "cas", Key: "a", Expect: &wrong, Value: "2"}), cmd("", kvCmd{Op: "put", Key: "b", Value: "1"}))
	r := res.GetResults()
	if r[0].GetError() != nil || r[2].GetError() != nil || r[1].GetError().GetApplicationError().GetCode() != 409 || r[1].GetError().GetCode() != "failed_precondition" {
		t.Errorf("independent batch: got %v, want the cas alone to fail with the module's 409", r)
	}
	for _, key := range []string{"a", "b"} {
		if got := c.mustQuery(t, "batch", kvCmd{Op: "get", Key: key}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); got.Value != "1" {
			t.Errorf("%s = %q after the independent batch, want 1", key, got.Value)
		}
	}

	res = batch(true, cmd("", kvCmd{Op: "put", Key: "c", Value: "1"}), cmd("", kvCmd{Op: "cas", Key: "a", Expect: &wrong, Value: "2"}), cmd("", kvCmd{Op: "put", Key: "d", Value: "1"}))
	r = res.GetResults()
	if r[0].GetError().GetCode() != "failed_precondition" || r[1].GetError().GetApplicationError().GetCode() != 409 || r[2].GetError() == nil {
		t.Errorf("atomic batch with a failing command: got %v, want every command to fail", r)
	}
	for _, key := range []string{"c", "d"} {
		if got := c.mustQuery(t, "batch", kvCmd{Op: "get", Key: key}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); got.Found {
			t.Errorf("%s was written by an atomic batch that failed", key)
		}
	}

	keyed := []*synodv1.BatchCommand{cmd("e-1", kvCmd{Op: "put", Key: "e", Value: "1"}), cmd("f-1", kvCmd{Op: "put", Key: "f", Value: "1"})}
	first := batch(true, keyed...)
	again := batch(true, keyed...)
	for i, r := range again.GetResults() {
		if r.GetError() != nil || !r.GetReplayed() || r.GetIndex() != first.GetIndex() {
			t.Errorf("command %d of the keyed batch sent again: got %v, want replayed from index %d", i, r, first.GetIndex())
		}
	}
	_, err := c.data.ProposeBatch(ctx, connect.NewRequest(&synodv1.ProposeBatchRequest{Shard: "batch"}))
	if connectCode(t, err) != connect.CodeInvalidArgument {
		t.Errorf("an empty batch: got %v, want invalid_argument", err)
	}
}
