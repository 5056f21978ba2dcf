package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/hosttest"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestDivergenceIsDetected breaks one replica's state and checks that the
// checksums catch it: before, CheckShard finds every replica consistent;
// after a key changes under one follower (stopped, its data edited as a
// bad disk could, restarted) and a command reads that key, the follower,
// and only it, is found diverged, counted, and the shard is degraded in
// the status.
func TestDivergenceIsDetected(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	ctx := context.Background()
	s := c.kvShard(t, "kv", 3)
	propose := func(cmd kvCmd) {
		if _, err := c.propose(ctx, "kv", cmd); err != nil {
			t.Fatalf("propose %+v: %v", cmd, err)
		}
	}
	// check runs CheckShard and returns each host's verdict.
	check := func() (bool, map[uint64]string) {
		t.Helper()
		res, err := c.shards.CheckShard(ctx, connect.NewRequest(&synodv1.CheckShardRequest{Name: "kv"}))
		if err != nil {
			t.Fatalf("check shard: %v", err)
		}
		verdicts := make(map[uint64]string)
		for _, r := range res.Msg.GetReplicas() {
			verdicts[r.GetHostId()] = r.GetVerdict()
		}
		return res.Msg.GetConsistent(), verdicts
	}
	verify := func() {
		t.Helper()
		consistent, verdicts := check()
		if !consistent || len(verdicts) != 3 {
			t.Fatalf("check before anything went wrong: consistent %v, %v", consistent, verdicts)
		}
	}

	for i := range 5 {
		propose(kvCmd{Op: "put", Key: fmt.Sprint("k", i), Value: "v"})
	}
	verify()
	for i := range 3 {
		if h := statusOf(c.Host(i), s.GetId()); h.DivergedIndex != 0 {
			t.Fatalf("host %d diverged before anything went wrong: %+v", i+1, h)
		}
	}

	follower := (c.leaderIndex(t, s) + 1) % 3
	if err := c.StopHost(follower); err != nil {
		t.Fatal(err)
	}
	if err := hosttest.CorruptKey(c.HostDataDir(follower), s.GetId(), []byte("k0"), []byte("tampered")); err != nil {
		t.Fatal(err)
	}
	if err := c.RestartHost(ctx, follower); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, func() bool { return statusOf(c.Host(follower), s.GetId()).HasReplica })
	// The follower fails this compare-and-swap; the others do not.
	propose(kvCmd{Op: "cas", Key: "k0", Expect: ptr("v"), Value: "w"})
	consistent, verdicts := check()
	if consistent {
		t.Errorf("check after the corruption: consistent, want not")
	}
	for i := range 3 {
		want := "ok"
		if i == follower {
			want = "diverged"
		}
		if got := verdicts[uint64(i+1)]; got != want {
			t.Errorf("host %d's verdict: %q, want %q", i+1, got, want)
		}
	}
	for i := range 3 {
		h := statusOf(c.Host(i), s.GetId())
		if (h.DivergedIndex != 0) != (i == follower) {
			t.Errorf("host %d: %+v; only the corrupted host %d should have diverged", i+1, h, follower+1)
		}
	}
	if got := c.Host(follower).Divergences(); got != 1 {
		t.Errorf("the corrupted host counted %d divergences, want 1", got)
	}
	st, err := synodv1connect.NewClusterServiceClient(c.Client(), c.URL()).GetStatus(ctx, connect.NewRequest(&synodv1.GetStatusRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Msg.GetShards()) != 1 || !st.Msg.GetShards()[0].GetDegraded() {
		t.Errorf("status does not mark the shard degraded: %v", st.Msg.GetShards())
	}
}
