package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/internal/testtime"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestManyShardsAcrossProcesses runs traffic on 20 shards through two
// gateway processes, kills (SIGKILL) the host process that leads the most
// shards, and checks that every shard serves again and lost no
// acknowledged write. It reports the unavailability window. The killed
// host then restarts and catches up: every replica of every shard ends
// with the same keys at the same applied index.
func TestManyShardsAcrossProcesses(t *testing.T) {
	const shards, maxWrites = 20, 900
	pc := startProcessCluster(t, 3)
	gateways := []*devProcess{pc.gateway(t), pc.gateway(t, pc.urls[1])}
	hc := pc.client(t)
	data := make([]synodv1connect.DataServiceClient, len(gateways))
	for i, g := range gateways {
		data[i] = synodv1connect.NewDataServiceClient(hc, g.addr)
	}
	name := func(i int) string { return fmt.Sprintf("s%02d", i) }
	ids := createKVShards(t, hc, gateways[0].addr, shards, name)

	var mu sync.Mutex
	acked := make([][]string, shards)
	var killed time.Time
	recovered := make([]time.Duration, shards) // first success that started after the kill
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for s := range shards {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil && i < maxWrites; i++ {
				key := fmt.Sprintf("k%04d", i)
				mu.Lock()
				after := !killed.IsZero()
				mu.Unlock()
				callCtx, callCancel := context.WithTimeout(ctx, time.Second)
				_, err := data[i%len(data)].Propose(callCtx, connect.NewRequest(&synodv1.ProposeRequest{
					Shard: name(s), Command: kvCmd{Op: "put", Key: key, Value: "v"}.bytes(),
				}))
				callCancel()
				if err != nil {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				mu.Lock()
				acked[s] = append(acked[s], key)
				if after && recovered[s] == 0 {
					recovered[s] = time.Since(killed)
				}
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}

	time.Sleep(time.Second)
	shardAPI := synodv1connect.NewShardServiceClient(hc, gateways[0].addr)
	leads := make(map[string]int) // host id → shards led
	for i := range shards {
		res, err := shardAPI.GetShard(t.Context(), connect.NewRequest(&synodv1.GetShardRequest{Name: name(i)}))
		if err != nil {
			t.Fatalf("get shard: %v", err)
		}
		for _, r := range res.Msg.GetShard().GetReplicas() {
			if r.GetReplicaId() == res.Msg.GetShard().GetLeaderReplicaId() {
				leads[fmt.Sprint(r.GetHostId())]++
			}
		}
	}
	victim, most := "", -1
	for id, n := range leads {
		if n > most {
			victim, most = id, n
		}
	}
	var victimIndex int
	fmt.Sscan(victim, &victimIndex)
	mu.Lock()
	killed = time.Now()
	mu.Unlock()
	pc.hosts[victimIndex-1].kill(t)
	t.Logf("killed host h%s, leader of %d of %d shards", victim, most, shards)

	waitFor(t, 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return !slices.Contains(recovered, 0)
	})
	cancel()
	wg.Wait()
	window := slices.Max(recovered)
	sorted := slices.Clone(recovered)
	slices.Sort(sorted)
	t.Logf("after the kill, each shard's first write: median %v, max %v (the unavailability window of the shards the host led) over %d shards",
		sorted[len(sorted)/2].Round(time.Millisecond), window.Round(time.Millisecond), shards)

	for s := range shards {
		checkAcked(t, data[s%len(data)], name(s), acked[s])
	}

	pc.start(t, victimIndex-1)
	start := time.Now()
	list := kvCmd{Op: "list", Limit: 1000}.bytes()
	for _, id := range ids {
		waitFor(t, 60*time.Second, func() bool {
			var first host.Result
			for i, url := range pc.urls {
				res, err := hostapi.NewClient(uint64(i+1), url, hc).Query(t.Context(), id, host.Read{Payload: list, Consistency: host.Stale})
				if err != nil || i > 0 && (res.Index != first.Index || !bytes.Equal(res.Output, first.Output)) {
					return false
				}
				if i == 0 {
					first = res
				}
			}
			return true
		})
	}
	t.Logf("h%s restarted; %v later all %d shards had the same keys at the same applied index on every replica",
		victim, time.Since(start).Round(time.Millisecond), shards)
}

// checkAcked checks that a kv shard holds every acknowledged key (at most
// 1000 keys: one list).
func checkAcked(t *testing.T, data synodv1connect.DataServiceClient, shard string, acked []string) {
	t.Helper()
	res, err := data.Query(t.Context(), connect.NewRequest(&synodv1.QueryRequest{
		Shard: shard, Query: kvCmd{Op: "list", Limit: 1000}.bytes(),
	}))
	if err != nil {
		t.Fatalf("list %s: %v", shard, err)
	}
	got := make(map[string]bool)
	for _, it := range decodeKV(t, res.Msg.GetResult()).Items {
		got[it.Key] = true
	}
	for _, k := range acked {
		if !got[k] {
			t.Errorf("shard %s lost acknowledged key %s", shard, k)
		}
	}
}

// createKVShards uploads the kv example through a gateway and creates n
// shards of it with 3 replicas, named by name, retrying while the hosts
// register. It returns the shards' ids.
func createKVShards(t *testing.T, hc *http.Client, gateway string, n int, name func(int) string) []uint64 {
	t.Helper()
	return createShards(t, hc, gateway, testwasm.Build(t, testwasm.KV), 3, n, name)
}

// createShards uploads a module through a gateway and creates n shards of
// it with the given number of replicas, named by name, retrying while the
// hosts register. It returns the shards' ids.
func createShards(t *testing.T, hc *http.Client, gateway string, wasm []byte, replicas uint32, n int, name func(int) string) []uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testtime.Scaled(2*time.Minute)) // see kvShard
	defer cancel()
	up, err := synodv1connect.NewModuleServiceClient(hc, gateway).UploadModule(ctx,
		connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: wasm}))
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	shardAPI := synodv1connect.NewShardServiceClient(hc, gateway)
	ids := make([]uint64, n)
	for i := range n {
		tried := false
		waitFor(t, 30*time.Second, func() bool { // hosts register in the background
			res, err := shardAPI.CreateShard(t.Context(), connect.NewRequest(&synodv1.CreateShardRequest{
				Name: name(i), ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: replicas,
			}))
			if err == nil {
				ids[i] = res.Msg.GetShard().GetId()
				return true
			}
			if tried && connect.CodeOf(err) == connect.CodeAlreadyExists {
				// A try that failed as unavailable created it: the
				// cluster is the test's own, so the shard is this test's.
				got, err := shardAPI.GetShard(t.Context(), connect.NewRequest(&synodv1.GetShardRequest{Name: name(i)}))
				if err == nil {
					ids[i] = got.Msg.GetShard().GetId()
				}
				return err == nil
			}
			tried = true
			return false
		})
	}
	return ids
}
