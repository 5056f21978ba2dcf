package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// probe is the wasm package's test guest; its "spin" op loops until its
// fuel runs out.
const probe = "github.com/synodhq/synod/host/internal/wasm/testdata/probe"

// TestWatchdog runs a call that takes longer by the wall clock than the
// hosts' watchdog allows (a loop with the largest fuel budget, under a
// watchdog of 100 ms). Every replica refuses to record its outcome and
// halts, having recorded nothing of it; the client learns that the outcome
// is unknown; the hosts stay up and serve another shard.
func TestWatchdog(t *testing.T) {
	c := startCluster(t, host.Config{Watchdog: 100 * time.Millisecond}, false)
	ctx := context.Background()
	c.kvShard(t, "kv", 3)
	up, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(t, probe)}))
	if err != nil {
		t.Fatalf("upload probe: %v", err)
	}
	res, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
		Name: "spin", ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 3, FuelLimit: maxFuel,
	}))
	if err != nil {
		t.Fatalf("create shard: %v", err)
	}
	id := res.Msg.GetShard().GetId()
	put, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "spin", Command: []byte("put k")}))
	if err != nil {
		t.Fatalf("put before the spin: %v", err)
	}
	c.waitApplied(t, id, put.Msg.GetIndex())
	applied := make([]uint64, 3)
	for i := range 3 {
		applied[i] = statusOf(c.Host(i), id).AppliedIndex
	}

	start := time.Now()
	_, err = c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "spin", Command: []byte("spin")}))
	if code := connectCode(t, err); code != connect.CodeUnavailable {
		t.Fatalf("spin: got %v, want Unavailable (outcome unknown)", err)
	}
	t.Logf("spin failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
	waitFor(t, 20*time.Second, func() bool {
		for i := range 3 {
			if c.Host(i).Halts() == 0 {
				return false
			}
		}
		return true
	})
	for i := range 3 {
		if st := statusOf(c.Host(i), id); st.HasReplica && st.AppliedIndex > applied[i] {
			t.Errorf("host %d recorded entries up to %d after halting at %d", i+1, st.AppliedIndex, applied[i])
		}
	}
	// The cluster's status tells the truth: the shard is degraded, each
	// replica halted at the spin's entry, and when it will try again.
	st, err := synodv1connect.NewClusterServiceClient(c.Client(), c.URL()).GetStatus(ctx, connect.NewRequest(&synodv1.GetStatusRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Msg.GetShards() {
		if s.GetName() != "spin" {
			continue
		}
		if !s.GetDegraded() {
			t.Error("a shard whose replicas halted is not reported degraded")
		}
		// The spin's entry: after the put, and the same for every replica.
		at := s.GetReplicas()[0].GetHaltedIndex()
		for _, r := range s.GetReplicas() {
			restart := time.Until(time.UnixMilli(r.GetRestartUnixMs()))
			if r.GetHaltedIndex() != at || at <= put.Msg.GetIndex() || r.GetHalts() != 1 || restart <= 0 || restart > 30*time.Second ||
				!strings.Contains(r.GetHaltReason(), "watchdog") {
				t.Errorf("replica %d: halted at %d (%d times, restart in %v, %q); want halted once at the same entry after %d, restarting within 30 s, for the watchdog",
					r.GetReplicaId(), r.GetHaltedIndex(), r.GetHalts(), restart, r.GetHaltReason(), put.Msg.GetIndex())
			}
		}
	}
	c.mustPropose(t, "kv", kvCmd{Op: "put", Key: "k", Value: "v"})
}
