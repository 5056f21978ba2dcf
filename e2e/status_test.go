package e2e

import (
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

func TestStatus(t *testing.T) { forEachTransport(t, testStatus) }

func testStatus(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	s := c.kvShard(t, "st", 3)
	put := c.mustPropose(t, "st", kvCmd{Op: "put", Key: "k", Value: "v"})
	c.waitApplied(t, s.GetId(), put.GetIndex())
	cluster := synodv1connect.NewClusterServiceClient(c.Client(), c.URL())
	get := func() *synodv1.GetStatusResponse {
		res, err := cluster.GetStatus(t.Context(), connect.NewRequest(&synodv1.GetStatusRequest{}))
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		return res.Msg
	}

	st := get()
	if len(st.GetHosts()) != 3 || len(st.GetShards()) != 1 {
		t.Fatalf("status has %d hosts and %d shards, want 3 and 1", len(st.GetHosts()), len(st.GetShards()))
	}
	var replicas, leaders uint32
	for _, h := range st.GetHosts() {
		if !h.GetReachable() {
			t.Errorf("host %s unreachable", h.GetName())
		}
		replicas += h.GetReplicas()
		leaders += h.GetLeaders()
	}
	if replicas != 3 || leaders != 1 {
		t.Errorf("hosts count %d replicas and %d leaders, want 3 and 1", replicas, leaders)
	}
	shard := st.GetShards()[0]
	if shard.GetLeaderReplicaId() == 0 {
		t.Errorf("shard %s has no leader", shard.GetName())
	}
	for _, r := range shard.GetReplicas() {
		if !r.GetReachable() || r.GetAppliedIndex() < put.GetIndex() || r.GetLag() != 0 {
			t.Errorf("replica %+v: want reachable, applied >= %d, lag 0", r, put.GetIndex())
		}
	}

	// A stopped host shows as unreachable, and so does its replica.
	follower := (c.leaderIndex(t, s) + 1) % 3
	if err := c.StopHost(follower); err != nil {
		t.Fatal(err)
	}
	st = get()
	down := uint64(follower + 1)
	for _, h := range st.GetHosts() {
		if h.GetReachable() == (h.GetId() == down) {
			t.Errorf("host %d reachable = %v after host %d stopped", h.GetId(), h.GetReachable(), down)
		}
	}
	for _, r := range st.GetShards()[0].GetReplicas() {
		if r.GetReachable() == (r.GetHostId() == down) {
			t.Errorf("replica on host %d reachable = %v after host %d stopped", r.GetHostId(), r.GetReachable(), down)
		}
	}
}
