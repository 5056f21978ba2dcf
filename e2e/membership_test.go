package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/internal/testport"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestMembershipOfProcesses changes the hosts of a running cluster of host
// processes while writers run on every shard: a fourth host joins, another
// is drained (its replicas move away) and removed, and then a host is
// SIGKILLed and its data dir wiped, as when a machine is replaced. Started
// again under the same name with --join, the new machine replaces the old
// host and the shards re-replicate onto it. No acknowledged write is lost,
// and every replica ends at the same applied index.
func TestMembershipOfProcesses(t *testing.T) {
	const shards, maxWrites = 6, 1000 // a kv list returns up to 1000 keys
	pc := startProcessCluster(t, 3)
	gw := pc.gateway(t)
	hc := pc.client(t)
	data := synodv1connect.NewDataServiceClient(hc, gw.addr)
	clusterAPI := synodv1connect.NewClusterServiceClient(hc, gw.addr)
	name := func(i int) string { return fmt.Sprintf("m%d", i) }
	ids := createKVShards(t, hc, gw.addr, shards, name)

	var mu sync.Mutex
	acked := make([][]string, shards)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for s := range shards {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil && i < maxWrites; i++ {
				key := fmt.Sprintf("k%05d", i)
				callCtx, callCancel := context.WithTimeout(ctx, 2*time.Second)
				_, err := data.Propose(callCtx, connect.NewRequest(&synodv1.ProposeRequest{
					Shard: name(s), Command: kvCmd{Op: "put", Key: key, Value: "v"}.bytes(),
				}))
				callCancel()
				if err == nil {
					mu.Lock()
					acked[s] = append(acked[s], key)
					mu.Unlock()
				}
				time.Sleep(30 * time.Millisecond)
			}
		})
	}
	status := func() *synodv1.GetStatusResponse {
		res, err := clusterAPI.GetStatus(t.Context(), connect.NewRequest(&synodv1.GetStatusRequest{}))
		if err != nil {
			t.Logf("status: %v", err)
			return &synodv1.GetStatusResponse{}
		}
		return res.Msg
	}
	// stable reports whether every shard has three caught-up voters, none
	// on the given hosts, and all reachable.
	stable := func(st *synodv1.GetStatusResponse, notOn ...uint64) bool {
		if len(st.GetShards()) != shards {
			return false
		}
		for _, s := range st.GetShards() {
			if len(s.GetReplicas()) != 3 {
				return false
			}
			for _, r := range s.GetReplicas() {
				for _, h := range notOn {
					if r.GetHostId() == h {
						return false
					}
				}
				if r.GetLearning() || !r.GetReachable() {
					return false
				}
			}
		}
		return true
	}
	hostNamed := func(st *synodv1.GetStatusResponse, name string) *synodv1.HostStatus {
		var found *synodv1.HostStatus
		for _, h := range st.GetHosts() {
			if h.GetName() == name && h.GetState() != "removed" {
				found = h
			}
		}
		return found
	}

	// A fourth host joins.
	start := time.Now()
	h4 := startSynod(t, nil, "internal API on ", "host", "--name", "h4", "--data-dir", filepath.Join(pc.dir, "h4"),
		"--listen", testport.Addr(t), "--raft-addr", testport.Addr(t), "--join", pc.urls[1])
	waitFor(t, 30*time.Second, func() bool {
		h := hostNamed(status(), "h4")
		return h != nil && h.GetAlive() && h.GetState() == "active" && h.GetMetaRole() == "non-voting" && h.GetProven()
	})
	t.Logf("h4 joined, alive with a non-voting meta replica and proven to run replicas, %v after it started", time.Since(start).Round(time.Millisecond))

	// Drain h2 while the writers run: its replicas move away, and it stops them.
	start = time.Now()
	mustSynod(t, gw.addr, "host", "drain", "h2")
	h2 := hostapi.NewClient(2, pc.urls[1], hc)
	waitFor(t, 60*time.Second, func() bool {
		if !stable(status(), 2) {
			return false
		}
		for _, id := range ids {
			if statusOf(h2, id).HasReplica {
				return false
			}
		}
		return true
	})
	t.Logf("h2 drained: its replicas moved and stopped %v after the drain", time.Since(start).Round(time.Millisecond))
	mustSynod(t, gw.addr, "host", "remove", "h2")
	// The meta shard keeps three voters: h4 takes h2's vote. An operator
	// waits for this (synod status) before taking another host down.
	waitFor(t, 30*time.Second, func() bool {
		st := status()
		voters := 0
		for _, h := range st.GetHosts() {
			if h.GetMetaRole() == "voter" {
				voters++
			}
		}
		return voters == 3 && hostNamed(st, "h2") == nil && hostNamed(st, "h4").GetMetaRole() == "voter"
	})

	// Replace h3's machine: SIGKILL, wipe, start again with --join.
	raftAddr := strings.Split(strings.Split(pc.initial, ",")[2], "=")[1]
	pc.hosts[2].kill(t)
	if err := os.RemoveAll(filepath.Join(pc.dir, "h3")); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	h3 := startSynod(t, nil, "internal API on ", "host", "--name", "h3", "--data-dir", filepath.Join(pc.dir, "h3"),
		"--listen", pc.apiAddrs[2], "--raft-addr", raftAddr, "--join", pc.urls[0]+","+h4.addr)
	waitFor(t, 90*time.Second, func() bool {
		st := status()
		h := hostNamed(st, "h3")
		return h != nil && h.GetId() != 3 && h.GetAlive() && stable(st, 2, 3)
	})
	t.Logf("h3 replaced: re-added and every shard re-replicated %v after the new machine started", time.Since(start).Round(time.Millisecond))
	if h3.cmd.ProcessState != nil {
		t.Fatalf("the replacement host exited: %v", h3.cmd.ProcessState)
	}

	cancel()
	wg.Wait()
	waitFor(t, 30*time.Second, func() bool {
		st := status()
		for _, s := range st.GetShards() {
			for _, r := range s.GetReplicas() {
				if r.GetLag() != 0 || !r.GetReachable() {
					return false
				}
			}
		}
		return stable(st, 2, 3)
	})
	t.Logf("synod status at the end:\n%s", mustSynod(t, gw.addr, "status"))
	if out := mustSynod(t, gw.addr, "shard", "check", name(0)); !strings.Contains(out, ": consistent") {
		t.Errorf("synod shard check after the changes:\n%s", out)
	}
	for s := range shards {
		checkAcked(t, data, name(s), acked[s])
		if len(acked[s]) == 0 {
			t.Errorf("shard %s acknowledged no write while hosts changed", name(s))
		}
	}
}
