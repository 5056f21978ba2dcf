package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/gateway"
	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// hostList is a fixed directory.
type hostList []gateway.Host

func (l hostList) Hosts() []gateway.Host { return l }

// startDev starts an in-process cluster of n hosts, closed when the test
// ends.
func startDev(t *testing.T, n int) *dev.Cluster {
	t.Helper()
	c, err := dev.Start(t.Context(), dev.Config{
		DataDir: t.TempDir(), CacheDir: testwasm.CacheDir(t), Listen: "127.0.0.1:0", Hosts: n,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start dev cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close dev cluster: %v", err)
		}
	})
	return c
}

// serveGateway serves a gateway under test over dir, and returns its URL
// and a client that calls it as c's admin.
func serveGateway(t *testing.T, c *dev.Cluster, dir gateway.Directory) (string, *http.Client) {
	t.Helper()
	gw, err := gateway.New(gateway.Config{Hosts: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(srv.Close)
	return srv.URL, &http.Client{Transport: access.Bearer(c.AdminToken(), srv.Client().Transport)}
}

// TestDeadHostCostsOneWait checks that a host the gateway cannot reach
// costs a status request one gateway.StatusWait, however many questions
// the request has for it. A 4-host cluster runs in process; the gateway
// under test reaches hosts 1-3 directly and host 4 (a non-voting meta
// member, so never the catalogue's leader, holding a replica) through an
// internal API client whose address accepts connections and never answers,
// as a hung process or a partition would.
func TestDeadHostCostsOneWait(t *testing.T) {
	if testing.Short() {
		t.Skip("long (starts four hosts and waits out a hung one): make test runs it")
	}
	c := startDev(t, 4)
	// Placement takes the least loaded hosts, so the second shard has a
	// replica on host 4.
	shards := []string{"a", "b"}
	createShards(t, c, shards)

	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hole.Close() })
	const dead = 4
	dir := hostList{c.Host(0), c.Host(1), c.Host(2), hostapi.NewClient(dead, "http://"+hole.Addr().String(), &http.Client{})}
	url, hc := serveGateway(t, c, dir)
	clusterAPI := synodv1connect.NewClusterServiceClient(hc, url)
	shardAPI := synodv1connect.NewShardServiceClient(hc, url)
	// Warm the gateway's catalogue routing, so that what follows times
	// the hosts' status only.
	if _, err := shardAPI.ListShards(t.Context(), connect.NewRequest(&synodv1.ListShardsRequest{})); err != nil {
		t.Fatalf("list shards: %v", err)
	}

	for _, tc := range []struct {
		name string
		call func(t *testing.T, ctx context.Context) error
	}{
		{"GetStatus", func(t *testing.T, ctx context.Context) error {
			res, err := clusterAPI.GetStatus(ctx, connect.NewRequest(&synodv1.GetStatusRequest{}))
			if err == nil {
				checkReachable(t, res.Msg, dead, len(shards))
			}
			return err
		}},
		{"GetShard", func(t *testing.T, ctx context.Context) error {
			res, err := shardAPI.GetShard(ctx, connect.NewRequest(&synodv1.GetShardRequest{Name: "b"}))
			if err == nil && res.Msg.GetShard().GetLeaderReplicaId() == 0 {
				t.Errorf("GetShard: no leader in %v", res.Msg.GetShard())
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			start := time.Now()
			if err := tc.call(t, ctx); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			took := time.Since(start)
			t.Logf("%s with host %d not answering took %v (StatusWait %v)", tc.name, dead, took.Round(time.Millisecond), gateway.StatusWait)
			if took >= 2*gateway.StatusWait {
				t.Errorf("%s took %v, want under 2 × %v: the dead host cost more than one wait", tc.name, took, gateway.StatusWait)
			}
		})
	}
}

// createShards uploads the kv example and creates a 3-replica shard of it
// for each name, through the dev cluster's own gateway, and waits until
// each shard has a leader and every replica runs.
func createShards(t *testing.T, c *dev.Cluster, names []string) {
	t.Helper()
	hc := c.Client()
	up, err := synodv1connect.NewModuleServiceClient(hc, c.URL()).UploadModule(t.Context(),
		connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(t, testwasm.KV)}))
	if err != nil {
		t.Fatalf("upload kv: %v", err)
	}
	shardAPI := synodv1connect.NewShardServiceClient(hc, c.URL())
	for _, name := range names {
		_, err := shardAPI.CreateShard(t.Context(), connect.NewRequest(&synodv1.CreateShardRequest{
			Name: name, ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 3,
		}))
		// On a loaded machine the election can outlast CreateShard's wait:
		// the shard exists then, and is awaited below.
		if err != nil && connect.CodeOf(err) != connect.CodeUnavailable {
			t.Fatalf("create shard %s: %v", name, err)
		}
	}
	settled := func(name string) bool {
		res, err := shardAPI.GetShard(t.Context(), connect.NewRequest(&synodv1.GetShardRequest{Name: name}))
		if err != nil || res.Msg.GetShard().GetLeaderReplicaId() == 0 {
			return false
		}
		for _, r := range res.Msg.GetShard().GetReplicas() {
			st, err := c.Host(int(r.GetHostId()-1)).Status(t.Context(), res.Msg.GetShard().GetId(), false)
			if err != nil || !st.HasReplica {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, name := range names {
		for !settled(name) {
			if time.Now().After(deadline) {
				t.Fatalf("shard %s has no leader, or not every replica runs, after 60 s", name)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// checkReachable checks that a status shows the dead host and its
// replicas unreachable, and every other host and replica reachable.
func checkReachable(t *testing.T, st *synodv1.GetStatusResponse, dead uint64, shards int) {
	t.Helper()
	if len(st.GetHosts()) != 4 || len(st.GetShards()) != shards {
		t.Fatalf("status has %d hosts and %d shards, want 4 and %d", len(st.GetHosts()), len(st.GetShards()), shards)
	}
	for _, h := range st.GetHosts() {
		if h.GetReachable() == (h.GetId() == dead) {
			t.Errorf("host %d: reachable %v, want %v", h.GetId(), h.GetReachable(), h.GetId() != dead)
		}
	}
	onDead := 0
	for _, s := range st.GetShards() {
		for _, r := range s.GetReplicas() {
			if r.GetHostId() == dead {
				onDead++
			}
			if r.GetReachable() == (r.GetHostId() == dead) {
				t.Errorf("shard %s replica on host %d: reachable %v, want %v", s.GetName(), r.GetHostId(), r.GetReachable(), r.GetHostId() != dead)
			}
		}
	}
	if onDead == 0 {
		t.Errorf("no replica on host %d: the test asks it too little", dead)
	}
}
