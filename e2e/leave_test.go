package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/testtime"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestStoppedHostHandsLeadershipOver sends SIGTERM to the `synod host`
// process that leads a new shard, its preferred leader: before it exits,
// it tells its peers that it is leaving and hands the shard's leadership
// over. The new leader's steerer, which would move a new shard's
// leadership straight back to its preferred replica on a host the
// catalogue still counts as up, leaves it be. A second host stopped
// after it finds it gone, and does not warn that it did not hear.
func TestStoppedHostHandsLeadershipOver(t *testing.T) {
	pc := startProcessClusterLogged(t, 3, true)
	gw := pc.gateway(t)
	createKVShard(t, gw, "leave")
	mustSynod(t, gw.addr, "propose", "leave", `{"op":"put","key":"a","value":"1"}`)
	var p placement
	waitFor(t, 30*time.Second, func() bool {
		p = shardOf(t, gw, "leave")
		return uint64(p.leaderHost) == preferredHost(t, pc, "leave")
	})
	leader := p.leaderHost
	stopping := pc.hosts[leader-1]
	// What the peers log from now on: before, a peer that led the new
	// shard first moved its leadership to the preferred host.
	logged := make([]int, 3)
	for i := range 3 {
		logged[i] = len(pc.logs[i].String())
	}

	terminate(t, stopping, fmt.Sprintf("host h%d", leader))
	log := pc.logs[leader-1].String()
	if handed := fmt.Sprintf("handed leadership over\" host=h%d shard=%d", leader, p.id); !strings.Contains(log, handed) {
		t.Fatalf("host h%d did not hand the shard's leadership over (no %q in its log):\n%s", leader, handed, log)
	}
	for i := range 3 {
		if i == leader-1 {
			continue
		}
		heard := fmt.Sprintf("a peer is leaving: no leadership moves to it for a while\" host=h%d peer=%d", i+1, leader)
		waitFor(t, 10*time.Second, func() bool { return strings.Contains(pc.logs[i].String(), heard) })
	}
	mustSynod(t, gw.addr, "propose", "leave", `{"op":"put","key":"b","value":"2"}`)
	if p := shardOf(t, gw, "leave"); p.leaderHost == leader {
		t.Fatalf("the stopped host h%d still leads the shard", leader)
	}
	// Without the word, the new leader's steerer asks, within a reconcile
	// pass (1 s), to move the leadership back to the stopped host, which
	// the catalogue counts as up for 10 s after its last heartbeat. The
	// watch is not scaled: the second stop below must come while the
	// catalogue still counts the first host alive.
	back := fmt.Sprintf("transfer leadership to replica %d of host %d", p.replicaOn[leader], leader)
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		for i := range 3 {
			if since := pc.logs[i].String()[logged[i]:]; i != leader-1 && strings.Contains(since, back) {
				t.Fatalf("host h%d asked to move the leadership back to the stopped host h%d; its log since the SIGTERM:\n%s", i+1, leader, since)
			}
		}
	}

	// A second host stopped, as when a whole cluster is, cannot tell the
	// first, which the catalogue counts alive for 10 s: it said it was
	// leaving and is gone, so that is no cause for a warning.
	second := leader%3 + 1
	terminate(t, pc.hosts[second-1], fmt.Sprintf("host h%d", second))
	log = pc.logs[second-1].String()
	if strings.Contains(log, "could not tell") {
		t.Fatalf("host h%d, stopped after h%d, warned that a peer did not hear it:\n%s", second, leader, log)
	}
	if gone := fmt.Sprintf("peers that said they were leaving are gone, not told\" peers=[h%d]", leader); !strings.Contains(log, gone) {
		t.Fatalf("host h%d, stopped after h%d, did not find it gone (no %q in its log):\n%s", second, leader, gone, log)
	}
}

// terminate sends SIGTERM to a process and waits for it to exit cleanly.
func terminate(t *testing.T, p *devProcess, name string) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM %s: %v", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- p.wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s exited with %v after SIGTERM", name, err)
		}
	case <-time.After(testtime.Scaled(30 * time.Second)):
		t.Fatalf("%s still runs 30 s after SIGTERM", name)
	}
}

// preferredHost returns the host of a shard's preferred leader, as the
// meta leader's catalogue says (the other hosts refuse the read), or 0.
func preferredHost(t *testing.T, pc *processCluster, name string) uint64 {
	for i, url := range pc.urls {
		s, err := meta.Catalogue{Runner: hostapi.NewClient(uint64(i+1), url, http.DefaultClient)}.GetShard(t.Context(), "", name)
		if err == nil {
			return s.HostOf(s.Leader)
		}
	}
	return 0
}

// TestHandOffBeforeStopping hands the leadership of a shard over, as a
// stopping synod host does: when HandOff returns, the shard's leader is
// on another host, so that stopping the host costs no election timeout.
// A host notes only another host of the cluster as leaving.
func TestHandOffBeforeStopping(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	s := c.kvShard(t, "handoff", 3)
	c.mustPropose(t, "handoff", kvCmd{Op: "put", Key: "a", Value: "1"})
	leader := c.leaderIndex(t, s)
	h := c.Host(leader)
	other := c.Host((leader + 1) % 3)
	ctx, cancel := context.WithTimeout(t.Context(), testtime.Scaled(10*time.Second))
	defer cancel()
	for _, id := range []uint64{0, other.ID(), 99} {
		if err := other.PeerLeaving(ctx, id); err == nil {
			t.Errorf("host %d noted host %d as leaving, not another host of the cluster", other.ID(), id)
		}
	}
	if err := other.PeerLeaving(ctx, h.ID()); err != nil {
		t.Fatalf("host %d, noting host %d as leaving: %v", other.ID(), h.ID(), err)
	}
	if n := h.HandOff(ctx); n < 1 {
		t.Fatalf("host %d handed over %d shards, want the one it led at least", h.ID(), n)
	}
	st := statusOf(h, s.GetId())
	if !st.HasLeader {
		t.Fatalf("host %d knows no leader of the shard after handing it over", h.ID())
	}
	for _, r := range s.GetReplicas() {
		if r.GetReplicaId() == st.LeaderReplicaID && r.GetHostId() == h.ID() {
			t.Fatalf("host %d still leads the shard after handing it over", h.ID())
		}
	}
	if err := c.StopHost(leader); err != nil {
		t.Fatalf("stop host %d: %v", h.ID(), err)
	}
	c.mustPropose(t, "handoff", kvCmd{Op: "put", Key: "b", Value: "2"})
	if got := c.mustQuery(t, "handoff", kvCmd{Op: "get", Key: "a"}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); got.Value != "1" {
		t.Fatalf("a = %q after the hand-off, want 1", got.Value)
	}
}
