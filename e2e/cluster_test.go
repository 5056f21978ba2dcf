package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/testtime"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

func TestKVThroughGateway(t *testing.T) { forEachTransport(t, testKVThroughGateway) }

func testKVThroughGateway(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	s := c.kvShard(t, "kv", 3)
	if got := len(s.GetReplicas()); got != 3 {
		t.Fatalf("shard has %d replicas, want 3", got)
	}
	if s.GetLeaderReplicaId() == 0 {
		t.Fatalf("CreateShard returned before the shard had a leader: %+v", s)
	}

	put := c.mustPropose(t, "kv", kvCmd{Op: "put", Key: "user/1", Value: "ada"})
	if !decodeKV(t, put.GetResult()).OK || put.GetIndex() == 0 {
		t.Fatalf("put: result %q index %d", put.GetResult(), put.GetIndex())
	}
	c.mustPropose(t, "kv", kvCmd{Op: "put", Key: "user/2", Value: "grace"})
	c.mustPropose(t, "kv", kvCmd{Op: "put", Key: "zzz", Value: "other"})

	if got := c.mustQuery(t, "kv", kvCmd{Op: "get", Key: "user/1"}, synodv1.Consistency_CONSISTENCY_UNSPECIFIED); !got.Found || got.Value != "ada" {
		t.Fatalf("get user/1 = %+v, want ada", got)
	}
	if got := c.mustQuery(t, "kv", kvCmd{Op: "get", Key: "nope"}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); got.Found {
		t.Fatalf("get nope = %+v, want not found", got)
	}

	// cas: a mismatch is an application error and changes nothing; a match
	// swaps.
	_, err := c.propose(t.Context(), "kv", kvCmd{Op: "cas", Key: "user/1", Expect: ptr("wrong"), Value: "x"})
	if code := connectCode(t, err); code != connect.CodeFailedPrecondition {
		t.Fatalf("cas mismatch: code %v, want failed_precondition (%v)", code, err)
	}
	var ce *connect.Error
	errors.As(err, &ce)
	var appErrs []*synodv1.ApplicationError
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			t.Fatalf("decode detail: %v", derr)
		}
		if ae, ok := v.(*synodv1.ApplicationError); ok {
			appErrs = append(appErrs, ae)
		}
	}
	if len(appErrs) != 1 || appErrs[0].GetCode() != 409 {
		t.Fatalf("cas mismatch: ApplicationError details %v, want one with code 409", appErrs)
	}
	if applied := proposeApplied(t, ce); applied != synodv1.Applied_APPLIED_YES {
		t.Fatalf("cas mismatch: applied %v, want APPLIED_YES", applied)
	}
	c.mustPropose(t, "kv", kvCmd{Op: "cas", Key: "user/1", Expect: ptr("ada"), Value: "lovelace"})

	list := c.mustQuery(t, "kv", kvCmd{Op: "list", Prefix: "user/"}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE)
	want := []kvItem{{"user/1", "lovelace"}, {"user/2", "grace"}}
	if !slices.Equal(list.Items, want) {
		t.Fatalf("list user/ = %+v, want %+v", list.Items, want)
	}
	if got := c.mustQuery(t, "kv", kvCmd{Op: "list", Limit: 1}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); len(got.Items) != 1 {
		t.Fatalf("list limit 1 = %+v", got.Items)
	}

	// A stale read answers from some replica, at an index it reports.
	del := c.mustPropose(t, "kv", kvCmd{Op: "delete", Key: "user/2"})
	c.waitApplied(t, s.GetId(), del.GetIndex())
	res, err := c.data.Query(t.Context(), connect.NewRequest(&synodv1.QueryRequest{
		Shard: "kv", Query: kvCmd{Op: "get", Key: "user/2"}.bytes(), Consistency: synodv1.Consistency_CONSISTENCY_STALE,
	}))
	if err != nil {
		t.Fatalf("stale get: %v", err)
	}
	if got := decodeKV(t, res.Msg.GetResult()); got.Found || res.Msg.GetIndex() < del.GetIndex() {
		t.Fatalf("stale get after delete = %+v at index %d, want absent at >= %d", got, res.Msg.GetIndex(), del.GetIndex())
	}

	// The shard reports its leader and applied index.
	got, err := c.shards.GetShard(t.Context(), connect.NewRequest(&synodv1.GetShardRequest{Name: "kv"}))
	if err != nil {
		t.Fatalf("get shard: %v", err)
	}
	if got.Msg.GetShard().GetAppliedIndex() < del.GetIndex() || got.Msg.GetShard().GetLeaderReplicaId() == 0 {
		t.Fatalf("get shard = %+v, want applied >= %d and a leader", got.Msg.GetShard(), del.GetIndex())
	}
}

// TestRollbackOnEveryReplica checks that an application error and a trap
// roll back the command's writes on every replica, and that the shard
// keeps serving.
func TestRollbackOnEveryReplica(t *testing.T) { forEachTransport(t, testRollbackOnEveryReplica) }

func testRollbackOnEveryReplica(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	s := c.kvShard(t, "rb", 3)
	c.mustPropose(t, "rb", kvCmd{Op: "put", Key: "b", Value: "before"})

	tests := []struct {
		name string
		op   string
		code connect.Code
	}{
		{name: "application error", op: "put_then_fail", code: connect.CodeFailedPrecondition},
		{name: "trap", op: "put_then_trap", code: connect.CodeAborted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.propose(t.Context(), "rb", kvCmd{Op: tt.op, Key: "b", Value: "after-" + tt.op})
			if code := connectCode(t, err); code != tt.code {
				t.Fatalf("%s: code %v, want %v (%v)", tt.op, code, tt.code, err)
			}
			next := c.mustPropose(t, "rb", kvCmd{Op: "put", Key: "next-" + tt.op, Value: "ok"})
			c.waitApplied(t, s.GetId(), next.GetIndex())
			for i := 0; i < 3; i++ {
				items := localList(t, c.Host(i), s.GetId())
				if !slices.Contains(items, kvItem{"b", "before"}) || !slices.Contains(items, kvItem{"next-" + tt.op, "ok"}) {
					t.Fatalf("host %d state after %s = %+v: want b=before kept and the next put applied", i+1, tt.op, items)
				}
			}
		})
	}
}

// TestLeaderFailover stops the host that leads a shard while writers run:
// a new leader is elected, writes succeed again within seconds, and every
// acknowledged write is still readable.
func TestLeaderFailover(t *testing.T) { forEachTransport(t, testLeaderFailover) }

func testLeaderFailover(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	s := c.kvShard(t, "fo", 3)
	c.mustPropose(t, "fo", kvCmd{Op: "put", Key: "warm", Value: "up"})

	var mu sync.Mutex
	acked := make(map[string]string)
	var lastFailure time.Time
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	const writers, maxWrites = 4, 900 // a kv list returns up to 1000 keys
	for w := 0; w < writers; w++ {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil && i < maxWrites; i++ {
				time.Sleep(2 * time.Millisecond)
				key, val := fmt.Sprintf("w%d/%05d", w, i), fmt.Sprint(i)
				callCtx, callCancel := context.WithTimeout(ctx, 2*time.Second)
				_, err := c.propose(callCtx, "fo", kvCmd{Op: "put", Key: key, Value: val})
				callCancel()
				mu.Lock()
				if err == nil {
					acked[key] = val
				} else {
					lastFailure = time.Now()
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	leader := c.leaderIndex(t, s)
	stopped := time.Now()
	if err := c.StopHost(leader); err != nil {
		t.Fatalf("stop leader host %d: %v", leader+1, err)
	}
	// Writes must flow again: wait for a successful write that started
	// after the stop, then let the writers run a little longer.
	wait := testtime.Scaled(10 * time.Second)
	deadline := time.Now().Add(wait)
	for {
		_, err := c.propose(ctx, "fo", kvCmd{Op: "put", Key: "probe", Value: "x"})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no write succeeded within %v of stopping the leader: %v", wait, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("writes flowed again %v after the leader stopped", time.Since(stopped).Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond)
	cancel()
	wg.Wait()
	if newLeader := c.leaderIndex(t, s); newLeader == leader {
		t.Fatalf("leader is still host %d", leader+1)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged")
	}
	t.Logf("%d acknowledged writes; last failure %v after the stop", len(acked), lastFailure.Sub(stopped).Round(time.Millisecond))
	got := make(map[string]string)
	for w := 0; w < writers; w++ {
		prefix := fmt.Sprintf("w%d/", w)
		for _, it := range c.mustQuery(t, "fo", kvCmd{Op: "list", Prefix: prefix, Limit: 1000}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE).Items {
			got[it.Key] = it.Value
		}
	}
	for k, v := range acked {
		if got[k] != v {
			t.Errorf("acknowledged %s=%s reads back as %q", k, v, got[k])
		}
	}
}

// TestRestartCatchesUpBySnapshot stops a follower, writes far past the
// point where the log is compacted, restarts it, and checks that it catches
// up (which then needs a snapshot) to the same state as the others.
func TestRestartCatchesUpBySnapshot(t *testing.T) {
	c := startCluster(t, host.Config{SnapshotEntries: 20, CompactionOverhead: 5}, false)
	s := c.kvShard(t, "snap", 3)
	c.mustPropose(t, "snap", kvCmd{Op: "put", Key: "first", Value: "1"})
	leader := c.leaderIndex(t, s)
	follower := (leader + 1) % 3
	stoppedAt := statusOf(c.Host(follower), s.GetId()).AppliedIndex
	if err := c.StopHost(follower); err != nil {
		t.Fatalf("stop follower: %v", err)
	}
	var last uint64
	for i := 0; i < 150; i++ {
		last = c.mustPropose(t, "snap", kvCmd{Op: "put", Key: fmt.Sprintf("k%03d", i), Value: fmt.Sprint(i)}).GetIndex()
	}
	// Wait for the leader to compact its log past where the follower stopped.
	deadline := time.Now().Add(testtime.Scaled(20 * time.Second))
	for {
		first, _, err := c.Host(c.leaderIndex(t, s)).LogRange(s.GetId())
		if err != nil {
			t.Fatalf("log range: %v", err)
		}
		if first > stoppedAt+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leader log still starts at %d; the follower stopped at %d", first, stoppedAt)
		}
		c.mustPropose(t, "snap", kvCmd{Op: "put", Key: "filler", Value: "x"})
		time.Sleep(50 * time.Millisecond)
	}
	if err := c.RestartHost(t.Context(), follower); err != nil {
		t.Fatalf("restart follower: %v", err)
	}
	c.waitApplied(t, s.GetId(), last)
	want := localList(t, c.Host(leader), s.GetId())
	if len(want) < 150 {
		t.Fatalf("leader holds %d keys, want >= 150", len(want))
	}
	waitFor(t, 20*time.Second, func() bool {
		return statusOf(c.Host(follower), s.GetId()).AppliedIndex == statusOf(c.Host(leader), s.GetId()).AppliedIndex
	})
	for i := 0; i < 3; i++ {
		if got := localList(t, c.Host(i), s.GetId()); !slices.Equal(got, want) {
			t.Fatalf("host %d state differs from the leader's: %d keys vs %d", i+1, len(got), len(want))
		}
	}
}

// waitFor waits until cond is true, for at most d scaled to the machine
// (testtime.Scaled), checking every 10 ms.
func waitFor(tb testing.TB, d time.Duration, cond func() bool) {
	tb.Helper()
	d = testtime.Scaled(d)
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %v", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDeleteShardAndModule deletes a shard (its replicas stop and its state
// goes) and then its module, which was refused while the shard used it.
func TestDeleteShardAndModule(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	s := c.kvShard(t, "doomed", 3)
	c.mustPropose(t, "doomed", kvCmd{Op: "put", Key: "k", Value: "v"})

	if _, err := c.shards.DeleteShard(t.Context(), connect.NewRequest(&synodv1.DeleteShardRequest{Name: "doomed"})); err != nil {
		t.Fatalf("delete shard: %v", err)
	}
	if _, err := c.propose(t.Context(), "doomed", kvCmd{Op: "get", Key: "k"}); connectCode(t, err) != connect.CodeNotFound {
		t.Fatalf("propose to a deleted shard: %v, want not_found", err)
	}
	waitFor(t, 10*time.Second, func() bool {
		for i := 0; i < 3; i++ {
			if statusOf(c.Host(i), s.GetId()).HasReplica {
				return false
			}
		}
		return true
	})
	if _, err := c.modules.DeleteModule(t.Context(), connect.NewRequest(&synodv1.DeleteModuleRequest{Hash: s.GetModuleHash()})); err != nil {
		t.Fatalf("delete module: %v", err)
	}
	list, err := c.modules.ListModules(t.Context(), connect.NewRequest(&synodv1.ListModulesRequest{}))
	if err != nil || len(list.Msg.GetModules()) != 0 {
		t.Fatalf("modules after delete = %v, %v; want none", list.Msg.GetModules(), err)
	}
	// The name is free again, and the new shard starts empty.
	c.kvShard(t, "doomed", 1)
	if got := c.mustQuery(t, "doomed", kvCmd{Op: "get", Key: "k"}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); got.Found {
		t.Fatalf("recreated shard still holds k: %+v", got)
	}
}

// TestShardDeletedWhileHostDown: a host that was down when a shard was
// deleted finds its replica of it after restarting, and deletes its data.
func TestShardDeletedWhileHostDown(t *testing.T) {
	dir := t.TempDir()
	dc := startInProcess(t, dev.Config{DataDir: dir, Hosts: 3})
	c := newClients(dc)
	s := c.kvShard(t, "gone", 3)
	c.mustPropose(t, "gone", kvCmd{Op: "put", Key: "k", Value: "v"})
	var replica uint64
	for _, r := range s.GetReplicas() {
		if r.GetHostId() == 3 {
			replica = r.GetReplicaId()
		}
	}
	mark := filepath.Join(dir, "host-3", "replicas", fmt.Sprintf("%d-%d", s.GetId(), replica))
	// The put needs only two replicas: host 3 may still be starting its.
	deadline := time.Now().Add(testtime.Scaled(10 * time.Second))
	for _, err := os.Stat(mark); err != nil; _, err = os.Stat(mark) {
		if time.Now().After(deadline) {
			t.Fatalf("host 3 keeps no record of its replica: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := dc.StopHost(2); err != nil {
		t.Fatal(err)
	}
	if _, err := c.shards.DeleteShard(t.Context(), connect.NewRequest(&synodv1.DeleteShardRequest{Name: "gone"})); err != nil {
		t.Fatalf("delete shard: %v", err)
	}
	if err := dc.RestartHost(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, func() bool {
		_, err := os.Stat(mark)
		return errors.Is(err, os.ErrNotExist)
	})
	if first, last, err := dc.Host(2).LogRange(s.GetId()); err == nil {
		t.Errorf("host 3 still runs the deleted shard (log %d..%d)", first, last)
	}
}
