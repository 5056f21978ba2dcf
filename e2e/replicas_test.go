package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

func TestReplicaOperations(t *testing.T) { forEachTransport(t, testReplicaOperations) }

// testReplicaOperations adds, moves and removes a shard's replicas and
// moves its leadership through the ClusterService, checking each step on
// the hosts' own replicas.
func testReplicaOperations(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	ops := synodv1connect.NewClusterServiceClient(c.Client(), c.URL())
	ctx := context.Background()
	s := c.kvShard(t, "ops", 1)
	const keys = 20
	for i := range keys {
		c.mustPropose(t, "ops", kvCmd{Op: "put", Key: fmt.Sprintf("k%02d", i), Value: "v"})
	}
	name := func(id uint64) string { return fmt.Sprintf("host-%d", id) }
	first := s.GetReplicas()[0].GetHostId()
	second, third := first%3+1, (first+1)%3+1
	// hasAll reports whether the host runs a replica holding every key.
	hasAll := func(id uint64, n int) bool {
		h := c.Host(int(id - 1))
		if !statusOf(h, s.GetId()).HasReplica {
			return false
		}
		res, err := h.Query(ctx, s.GetId(), host.Read{Payload: kvCmd{Op: "list", Limit: 1000}.bytes(), Consistency: host.Stale})
		return err == nil && len(decodeKV(t, res.Output).Items) == n
	}
	runs := func(id uint64) bool {
		return statusOf(c.Host(int(id-1)), s.GetId()).HasReplica
	}

	added, err := ops.AddReplica(ctx, connect.NewRequest(&synodv1.AddReplicaRequest{Shard: "ops", Host: name(second)}))
	if err != nil {
		t.Fatalf("add replica: %v", err)
	}
	if got := len(added.Msg.GetShard().GetReplicas()); got != 2 {
		t.Fatalf("after add-replica the shard has %d replicas, want 2", got)
	}
	waitFor(t, 20*time.Second, func() bool { return hasAll(second, keys) })

	if _, err := ops.MoveReplica(ctx, connect.NewRequest(&synodv1.MoveReplicaRequest{
		Shard: "ops", FromHost: name(first), ToHost: name(third),
	})); err != nil {
		t.Fatalf("move replica: %v", err)
	}
	waitFor(t, 20*time.Second, func() bool { return hasAll(third, keys) && !runs(first) })
	c.mustPropose(t, "ops", kvCmd{Op: "put", Key: "after-move", Value: "v"})

	moved, err := ops.TransferLeader(ctx, connect.NewRequest(&synodv1.TransferLeaderRequest{Shard: "ops", Host: name(third)}))
	if err != nil {
		t.Fatalf("transfer leader: %v", err)
	}
	var want uint64
	for _, r := range moved.Msg.GetShard().GetReplicas() {
		if r.GetHostId() == third {
			want = r.GetReplicaId()
		}
	}
	waitFor(t, 20*time.Second, func() bool {
		st := statusOf(c.Host(int(third-1)), s.GetId())
		return st.HasLeader && st.LeaderReplicaID == want
	})

	if _, err := ops.RemoveReplica(ctx, connect.NewRequest(&synodv1.RemoveReplicaRequest{Shard: "ops", Host: name(second)})); err != nil {
		t.Fatalf("remove replica: %v", err)
	}
	waitFor(t, 20*time.Second, func() bool { return !runs(second) })
	if got := c.mustQuery(t, "ops", kvCmd{Op: "list", Limit: 1000}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); len(got.Items) != keys+1 {
		t.Errorf("after the moves the shard holds %d keys, want %d", len(got.Items), keys+1)
	}

	for _, tt := range []struct {
		name string
		call func() error
		want connect.Code
	}{
		{"add on a host that has one", func() error {
			_, err := ops.AddReplica(ctx, connect.NewRequest(&synodv1.AddReplicaRequest{Shard: "ops", Host: name(third)}))
			return err
		}, connect.CodeAlreadyExists},
		{"remove the last replica", func() error {
			_, err := ops.RemoveReplica(ctx, connect.NewRequest(&synodv1.RemoveReplicaRequest{Shard: "ops", Host: name(third)}))
			return err
		}, connect.CodeInvalidArgument},
		{"an unknown host", func() error {
			_, err := ops.TransferLeader(ctx, connect.NewRequest(&synodv1.TransferLeaderRequest{Shard: "ops", Host: "nope"}))
			return err
		}, connect.CodeNotFound},
		{"a drain without a host", func() error {
			_, err := ops.DrainHost(ctx, connect.NewRequest(&synodv1.DrainHostRequest{}))
			return err
		}, connect.CodeInvalidArgument},
	} {
		if got := connectCode(t, tt.call()); got != tt.want {
			t.Errorf("%s: code %v, want %v", tt.name, got, tt.want)
		}
	}
}
