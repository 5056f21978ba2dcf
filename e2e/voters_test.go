package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/dev"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// startHosts starts an in-process dev cluster of n hosts.
func startHosts(t *testing.T, n int) (*cluster, synodv1connect.ClusterServiceClient) {
	t.Helper()
	dc := startInProcess(t, dev.Config{Hosts: n})
	return newClients(dc), synodv1connect.NewClusterServiceClient(dc.Client(), dc.URL())
}

// metaRoles counts the hosts by their part in the meta shard.
func metaRoles(t *testing.T, ops synodv1connect.ClusterServiceClient) map[string]int {
	t.Helper()
	res, err := ops.GetStatus(t.Context(), connect.NewRequest(&synodv1.GetStatusRequest{}))
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	roles := make(map[string]int)
	for _, h := range res.Msg.GetHosts() {
		roles[h.GetMetaRole()]++
	}
	return roles
}

// TestMetaVoters: of an initial cluster, 3 hosts vote in the meta shard,
// or 5 once there are 5 or more; the others follow it without a vote.
func TestMetaVoters(t *testing.T) {
	for _, tt := range []struct{ hosts, voters int }{{4, 3}, {6, 5}} {
		_, ops := startHosts(t, tt.hosts)
		waitFor(t, 20*time.Second, func() bool {
			r := metaRoles(t, ops)
			return r["voter"] == tt.voters && r["non-voting"] == tt.hosts-tt.voters
		})
	}
}

// TestRemoveDeadHost: removing a dead host moves its replicas to a live
// host, where they catch up from their peers.
func TestRemoveDeadHost(t *testing.T) {
	t.Parallel() // it mostly waits: for the host's death to be seen
	c, ops := startHosts(t, 4)
	s := c.kvShard(t, "orphan", 3)
	c.mustPropose(t, "orphan", kvCmd{Op: "put", Key: "k", Value: "v"})
	dead := s.GetReplicas()[2].GetHostId()
	var spare uint64 // the one host of 1..4 without a replica
	for id := uint64(1); id <= 4; id++ {
		if !slices.ContainsFunc(s.GetReplicas(), func(r *synodv1.Replica) bool { return r.GetHostId() == id }) {
			spare = id
		}
	}
	if err := c.StopHost(int(dead - 1)); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("host-%d", dead)
	_, err := ops.RemoveHost(t.Context(), connect.NewRequest(&synodv1.RemoveHostRequest{Host: name}))
	if connectCode(t, err) != connect.CodeFailedPrecondition {
		t.Fatalf("removing a host that is still alive (by its last heartbeat): %v, want failed_precondition", err)
	}
	// Refused until the catalogue sees the host dead, LivenessTimeout
	// after its last heartbeat.
	waitFor(t, 2*meta.LivenessTimeout, func() bool {
		_, err := ops.RemoveHost(t.Context(), connect.NewRequest(&synodv1.RemoveHostRequest{Host: name}))
		return err == nil
	})
	waitFor(t, 20*time.Second, func() bool {
		h := c.Host(int(spare - 1))
		if !statusOf(h, s.GetId()).HasReplica {
			return false
		}
		items, ok := tryLocalList(t, h, s.GetId())
		return ok && len(items) == 1
	})
	res, err := c.shards.GetShard(t.Context(), connect.NewRequest(&synodv1.GetShardRequest{Name: "orphan"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Msg.GetShard().GetReplicas() {
		if r.GetHostId() == dead {
			t.Errorf("the shard still has a replica on removed host %d", dead)
		}
	}
	c.mustPropose(t, "orphan", kvCmd{Op: "put", Key: "k2", Value: "v"})
}
