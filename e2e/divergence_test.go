package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// leaky is a deliberately non-deterministic module (e2e/testdata/leaky).
const leaky = "github.com/synodhq/synod/e2e/testdata/leaky"

// TestDivergenceIsDetected runs a module whose replicas disagree once one
// of them restarts, and checks that the checksums catch it: before the
// restart CheckShard finds every replica consistent; after it, the
// restarted replica, and only it, is found diverged, counted, and the
// shard is degraded in the status.
func TestDivergenceIsDetected(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	ctx := context.Background()
	up, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(t, leaky)}))
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	res, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
		Name: "leaky", ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 3,
	}))
	if err != nil {
		t.Fatalf("create shard: %v", err)
	}
	s := res.Msg.GetShard()
	propose := func(n int) {
		for range n {
			if _, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "leaky", Command: []byte("x")})); err != nil {
				t.Fatalf("propose: %v", err)
			}
		}
	}
	// check runs CheckShard and returns each host's verdict.
	check := func() (bool, map[uint64]string) {
		t.Helper()
		res, err := c.shards.CheckShard(ctx, connect.NewRequest(&synodv1.CheckShardRequest{Name: "leaky"}))
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

	propose(5)
	verify()
	for i := range 3 {
		if h, _ := c.Host(i).Health(s.GetId()); h.DivergedIndex != 0 {
			t.Fatalf("host %d diverged before anything went wrong: %+v", i+1, h)
		}
	}

	follower := (c.leaderIndex(t, s) + 1) % 3
	if err := c.StopHost(follower); err != nil {
		t.Fatal(err)
	}
	if err := c.RestartHost(ctx, follower); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, func() bool { _, ok := c.Host(follower).Health(s.GetId()); return ok })
	propose(5)
	consistent, verdicts := check()
	if consistent {
		t.Errorf("check after the restart: consistent, want not")
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
		h, _ := c.Host(i).Health(s.GetId())
		if (h.DivergedIndex != 0) != (i == follower) {
			t.Errorf("host %d: %+v; only the restarted host %d should have diverged", i+1, h, follower+1)
		}
	}
	if got := c.Host(follower).Divergences(); got != 1 {
		t.Errorf("the restarted host counted %d divergences, want 1", got)
	}
	st, err := synodv1connect.NewClusterServiceClient(http.DefaultClient, c.URL()).GetStatus(ctx, connect.NewRequest(&synodv1.GetStatusRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Msg.GetShards()) != 1 || !st.Msg.GetShards()[0].GetDegraded() {
		t.Errorf("status does not mark the shard degraded: %v", st.Msg.GetShards())
	}
}
