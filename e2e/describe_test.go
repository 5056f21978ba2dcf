package e2e

import (
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestShardDescriptions checks what every call that describes a shard
// says of it: each replica's host by the name the host registered, and,
// from ListShards as from GetShard, the leader and applied index, also
// after the shard's leadership and replicas moved.
func TestShardDescriptions(t *testing.T) {
	c := startCluster(t, host.Config{}, true)
	ops := synodv1connect.NewClusterServiceClient(c.Client(), c.URL())
	st, err := ops.GetStatus(t.Context(), connect.NewRequest(&synodv1.GetStatusRequest{}))
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	names := make(map[uint64]string)
	for _, h := range st.Msg.GetHosts() {
		names[h.GetId()] = h.GetName()
	}
	checkNames := func(call string, s *synodv1.Shard) {
		t.Helper()
		for _, r := range s.GetReplicas() {
			if want := names[r.GetHostId()]; r.GetHostName() != want || want == "" {
				t.Errorf("%s: replica %d on host %d is named %q, want %q", call, r.GetReplicaId(), r.GetHostId(), r.GetHostName(), want)
			}
		}
	}
	checkNames("CreateShard", c.kvShard(t, "described", 1))
	get := func() *synodv1.Shard {
		res, err := c.shards.GetShard(t.Context(), connect.NewRequest(&synodv1.GetShardRequest{Name: "described"}))
		if err != nil {
			t.Fatalf("get shard: %v", err)
		}
		return res.Msg.GetShard()
	}
	listed := func() *synodv1.Shard {
		res, err := c.shards.ListShards(t.Context(), connect.NewRequest(&synodv1.ListShardsRequest{}))
		if err != nil {
			t.Fatalf("list shards: %v", err)
		}
		if len(res.Msg.GetShards()) != 1 {
			t.Fatalf("list shards: %d shards, want 1", len(res.Msg.GetShards()))
		}
		return res.Msg.GetShards()[0]
	}
	checkNames("GetShard", get())
	checkNames("ListShards", listed())

	// liveAt waits until ListShards reports the shard led by the replica
	// on hostID, having applied at least index.
	liveAt := func(hostID, index uint64) {
		t.Helper()
		var last *synodv1.Shard
		waitFor(t, 30*time.Second, func() bool {
			last = listed()
			for _, r := range last.GetReplicas() {
				if r.GetHostId() == hostID {
					return last.GetLeaderReplicaId() == r.GetReplicaId() && last.GetAppliedIndex() >= index
				}
			}
			return false
		})
	}
	put := c.mustPropose(t, "described", kvCmd{Op: "put", Key: "k", Value: "v"})
	leads := get().GetReplicas()[0].GetHostId()
	liveAt(leads, put.GetIndex())

	// A replica is added on another host, leadership moves to it, and the
	// first replica moves to the third host.
	var other, unused uint64
	for id := range names {
		switch {
		case id == leads:
		case other == 0:
			other = id
		default:
			unused = id
		}
	}
	added, err := ops.AddReplica(t.Context(), connect.NewRequest(&synodv1.AddReplicaRequest{Shard: "described", Host: names[other]}))
	if err != nil {
		t.Fatalf("add replica on %s: %v", names[other], err)
	}
	checkNames("AddReplica", added.Msg.GetShard())
	moved, err := ops.TransferLeader(t.Context(), connect.NewRequest(&synodv1.TransferLeaderRequest{Shard: "described", Host: names[other]}))
	if err != nil {
		t.Fatalf("transfer leader to %s: %v", names[other], err)
	}
	checkNames("TransferLeader", moved.Msg.GetShard())
	put = c.mustPropose(t, "described", kvCmd{Op: "put", Key: "k2", Value: "v"})
	liveAt(other, put.GetIndex())

	res, err := ops.MoveReplica(t.Context(), connect.NewRequest(&synodv1.MoveReplicaRequest{Shard: "described", FromHost: names[leads], ToHost: names[unused]}))
	if err != nil {
		t.Fatalf("move replica from %s to %s: %v", names[leads], names[unused], err)
	}
	checkNames("MoveReplica", res.Msg.GetShard())
	put = c.mustPropose(t, "described", kvCmd{Op: "put", Key: "k3", Value: "v"})
	liveAt(other, put.GetIndex())
	checkNames("ListShards after the move", listed())
}

// replicaOn returns the id of a shard's replica on a host, or 0.
func replicaOn(s *synodv1.Shard, hostID uint64) uint64 {
	for _, r := range s.GetReplicas() {
		if r.GetHostId() == hostID {
			return r.GetReplicaId()
		}
	}
	return 0
}
