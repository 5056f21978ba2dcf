package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestIdempotencyKey checks idempotency keys through the public API: a
// command sent twice with one key, in the field and then in the
// Idempotency-Key header, runs once, and the second call gets the first
// result and index back, marked replayed; the key with another command
// fails with failed_precondition naming it; a too long key is refused.
func TestIdempotencyKey(t *testing.T) {
	forEachTransport(t, testIdempotencyKey)
}

func testIdempotencyKey(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	c.kvShard(t, "bank", 3)
	ctx := context.Background()
	put := kvCmd{Op: "put", Key: "balance", Value: "100"}.bytes()
	first, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "bank", Command: put, IdempotencyKey: "deposit-1"}))
	if err != nil {
		t.Fatalf("keyed propose: %v", err)
	}
	if first.Msg.GetReplayed() {
		t.Errorf("the first keyed propose says it was replayed")
	}
	c.mustPropose(t, "bank", kvCmd{Op: "put", Key: "balance", Value: "50"})
	req := connect.NewRequest(&synodv1.ProposeRequest{Shard: "bank", Command: put})
	req.Header().Set("Idempotency-Key", "deposit-1")
	again, err := c.data.Propose(ctx, req)
	if err != nil {
		t.Fatalf("the same key again, in the header: %v", err)
	}
	if !again.Msg.GetReplayed() || again.Msg.GetIndex() != first.Msg.GetIndex() || !bytes.Equal(again.Msg.GetResult(), first.Msg.GetResult()) {
		t.Errorf("the same key again: got index %d, replayed %v; want the first result, index %d, replayed",
			again.Msg.GetIndex(), again.Msg.GetReplayed(), first.Msg.GetIndex())
	}
	if got := c.mustQuery(t, "bank", kvCmd{Op: "get", Key: "balance"}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); got.Value != "50" {
		t.Errorf("balance = %q after the replay, want 50: the keyed command ran again", got.Value)
	}
	other := kvCmd{Op: "put", Key: "balance", Value: "0"}.bytes()
	_, err = c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "bank", Command: other, IdempotencyKey: "deposit-1"}))
	if connectCode(t, err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "deposit-1") {
		t.Errorf("the key with another command: got %v, want failed_precondition naming the key", err)
	}
	_, err = c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "bank", Command: put, IdempotencyKey: strings.Repeat("k", 256)}))
	if connectCode(t, err) != connect.CodeInvalidArgument {
		t.Errorf("a key of 256 bytes: got %v, want invalid_argument", err)
	}

	shard, err := c.shards.GetShard(ctx, connect.NewRequest(&synodv1.GetShardRequest{Name: "bank"}))
	if err != nil || shard.Msg.GetShard().GetIdempotencyWindowSeconds() != 86400 {
		t.Errorf("the default idempotency window: got %v, %v; want 86400 s", shard.Msg.GetShard().GetIdempotencyWindowSeconds(), err)
	}
	hash := shard.Msg.GetShard().GetModuleHash()
	for _, w := range []uint64{1, 2_592_000} {
		res, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Name: fmt.Sprintf("window-%d", w), ModuleHash: hash, IdempotencyWindowSeconds: w}))
		if err != nil || res.Msg.GetShard().GetIdempotencyWindowSeconds() != w {
			t.Errorf("a window of %d s: got %v, %v", w, res.Msg.GetShard().GetIdempotencyWindowSeconds(), err)
		}
	}
	_, err = c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Name: "window-over", ModuleHash: hash, IdempotencyWindowSeconds: 2_592_001}))
	if connectCode(t, err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "idempotency window") {
		t.Errorf("a window over the cap: got %v, want invalid_argument naming it", err)
	}
}
