package e2e

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestForgedHostsGetNoMajority replays the attack that made proven hosts:
// forged heartbeats register two hosts that do not exist, as live and
// active, claiming a proof besides. They are the least loaded hosts, so
// before proofs a new shard put 2 of its 3 replicas on them and never got
// a leader. Now they are never proven, the host-only requests that could
// prove them are refused, the new shard puts at most one replica on them,
// and it gets a leader.
func TestForgedHostsGetNoMajority(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	ctx := t.Context()
	c.kvShard(t, "warm", 3) // the real hosts carry a replica each; the ghosts none
	ghosts := []meta.Host{
		{ID: 100, Name: "ghost-1", RaftAddr: "127.0.0.1:1", ProvenNanos: time.Now().UnixNano()},
		{ID: 101, Name: "ghost-2", RaftAddr: "127.0.0.1:2", ProvenNanos: time.Now().UnixNano()},
	}
	for _, g := range ghosts {
		if !c.onSomeHost(ctx, func(h *host.Host) error { return h.Catalogue().Heartbeat(ctx, g) }) {
			t.Fatalf("no host took the forged heartbeat of %s", g.Name)
		}
	}
	for _, req := range []meta.Request{
		{Op: meta.OpChallengeHost, HostID: 100, Nonce: "known"},
		{Op: meta.OpProveHost, HostID: 100, Nonce: "known"},
	} {
		for i := range 3 {
			if _, err := c.Host(i).RunCatalogue(ctx, req, true); err == nil {
				t.Errorf("host %d ran %s from outside", i+1, req.Op)
			}
		}
	}
	if _, err := c.Host(0).LocalCatalogue(ctx, meta.Request{Op: meta.OpGetChallenge, HostID: 100}); err == nil {
		t.Errorf("a host read a challenge for an outsider")
	}

	s := c.kvShard(t, "after-ghosts", 3)
	onGhosts := 0
	for _, r := range s.GetReplicas() {
		if r.GetHostId() >= 100 {
			onGhosts++
		}
	}
	if onGhosts > 1 {
		t.Fatalf("%d of the new shard's replicas are on forged hosts: %v", onGhosts, s.GetReplicas())
	}
	c.mustPropose(t, "after-ghosts", kvCmd{Op: "put", Key: "k", Value: "v"}) // it has a leader

	st, err := synodv1connect.NewClusterServiceClient(c.Client(), c.URL()).GetStatus(ctx, connect.NewRequest(&synodv1.GetStatusRequest{}))
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	for _, h := range st.Msg.GetHosts() {
		if want := h.GetId() < 100; h.GetProven() != want {
			t.Errorf("host %s: proven %v, want %v", h.GetName(), h.GetProven(), want)
		}
	}
}

// onSomeHost runs a catalogue command on each host until one takes it
// (commands run only on the meta leader), and reports whether one did.
func (c *cluster) onSomeHost(ctx context.Context, run func(h *host.Host) error) bool {
	for range 50 {
		for i := range 3 {
			if h := c.Host(i); h != nil && run(h) == nil {
				return true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
	return false
}
