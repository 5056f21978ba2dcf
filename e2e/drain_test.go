package e2e

import (
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestDrainStatus drains a host and checks that status tells the truth
// about it: right after the drain, the host's replica is leaving, not
// gone, and the drain is complete only once the replica has left its
// group, after which its host stops it.
func TestDrainStatus(t *testing.T) {
	c := startCluster(t, host.Config{}, true)
	s := c.kvShard(t, "moving", 1)
	const keys = 50
	for i := range keys {
		c.mustPropose(t, "moving", kvCmd{Op: "put", Key: fmt.Sprintf("k%02d", i), Value: "v"})
	}
	ops := synodv1connect.NewClusterServiceClient(c.Client(), c.URL())
	from := s.GetReplicas()[0]
	hostStatus := func() *synodv1.HostStatus {
		res, err := ops.GetStatus(t.Context(), connect.NewRequest(&synodv1.GetStatusRequest{}))
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		for _, h := range res.Msg.GetHosts() {
			if h.GetId() == from.GetHostId() {
				return h
			}
		}
		t.Fatalf("status lists no host %d", from.GetHostId())
		return nil
	}

	if _, err := ops.DrainHost(t.Context(), connect.NewRequest(&synodv1.DrainHostRequest{Host: from.GetHostName()})); err != nil {
		t.Fatalf("drain %s: %v", from.GetHostName(), err)
	}
	// The replacement has yet to start, catch up and become a voter: the
	// drained host's replica is still a member of the shard's group.
	if h := hostStatus(); h.GetState() != "draining" || h.GetReplicas() != 0 || h.GetLeaving() != 1 || h.GetDrained() {
		t.Errorf("right after the drain, host %s is %q with %d replicas, %d leaving, drained %v: want draining, 0, 1, false",
			h.GetName(), h.GetState(), h.GetReplicas(), h.GetLeaving(), h.GetDrained())
	}
	waitFor(t, 60*time.Second, func() bool { return hostStatus().GetDrained() })
	if h := hostStatus(); h.GetLeaving() != 0 || h.GetReplicas() != 0 {
		t.Errorf("drained host %s has %d replicas and %d leaving, want none", h.GetName(), h.GetReplicas(), h.GetLeaving())
	}
	waitFor(t, 30*time.Second, func() bool {
		return !statusOf(c.Host(int(from.GetHostId()-1)), s.GetId()).HasReplica
	})
	if got := c.mustQuery(t, "moving", kvCmd{Op: "list", Limit: 1000}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); len(got.Items) != keys {
		t.Errorf("after the drain the shard holds %d keys, want %d", len(got.Items), keys)
	}
}
