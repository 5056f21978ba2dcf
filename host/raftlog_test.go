package host

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4"
	"github.com/lni/dragonboat/v4/config"
	sm "github.com/lni/dragonboat/v4/statemachine"
	"github.com/lni/vfs"

	"github.com/synodhq/synod/internal/testport"
	"github.com/synodhq/synod/internal/testtime"
)

// syncCounter counts the syncs of a file system wrapped with it (Dragonboat
// takes, besides the real one, only its in-memory file system or one
// wrapped to inject errors: this one injects none).
type syncCounter struct{ n atomic.Int64 }

func (c *syncCounter) MaybeError(op vfs.Op) error {
	if op == vfs.OpSync {
		c.n.Add(1)
	}
	return nil
}

// entries is a state machine that keeps the entries it applied.
type entries struct {
	mu   sync.Mutex
	cmds []string
}

func (e *entries) Update(en sm.Entry) (sm.Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cmds = append(e.cmds, string(en.Cmd))
	return sm.Result{Value: uint64(len(e.cmds))}, nil
}

func (e *entries) Lookup(any) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.cmds...), nil
}

func (e *entries) SaveSnapshot(io.Writer, sm.ISnapshotFileCollection, <-chan struct{}) error {
	return nil
}

func (e *entries) RecoverFromSnapshot(io.Reader, []sm.SnapshotFile, <-chan struct{}) error {
	return nil
}

func (e *entries) Close() error { return nil }

// TestRaftLogSyncs runs a shard of three replicas, each on a file system
// that keeps only what was synced when the power goes. Synod's Dragonboat
// syncs the Raft log for entries, terms and votes, but not for a state
// that only moves the commit index, as etcd's raft does
// (third_party/dragonboat, change 7): each proposal costs a replica one
// sync, not two. Every proposal answered is still there after the power
// went on all three at once.
func TestRaftLogSyncs(t *testing.T) {
	const n = 3
	mems := make([]*vfs.MemFS, n)
	syncs := make([]syncCounter, n)
	members := map[uint64]string{}
	for i := range n {
		mems[i] = vfs.NewStrictMem()
		members[uint64(i+1)] = testport.Addr(t)
	}
	start := func(i int) *dragonboat.NodeHost {
		nh, err := dragonboat.NewNodeHost(config.NodeHostConfig{
			NodeHostDir: "/nh", RTTMillisecond: 10, RaftAddress: members[uint64(i+1)],
			Expert: config.ExpertConfig{FS: vfs.Wrap(mems[i], &syncs[i]), LogDB: config.GetTinyMemLogDBConfig()},
		})
		if err != nil {
			t.Fatalf("start node host %d: %v", i+1, err)
		}
		cfg := config.Config{ShardID: 1, ReplicaID: uint64(i + 1), ElectionRTT: 50, HeartbeatRTT: 1}
		if err := nh.StartReplica(members, false, func(uint64, uint64) sm.IStateMachine { return &entries{} }, cfg); err != nil {
			t.Fatalf("start replica %d: %v", i+1, err)
		}
		return nh
	}
	hosts := make([]*dragonboat.NodeHost, n)
	for i := range hosts {
		hosts[i] = start(i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testtime.Scaled(time.Minute))
	defer cancel()
	propose := func(nh *dragonboat.NodeHost, cmd []byte) {
		for {
			_, err := nh.SyncPropose(ctx, nh.GetNoOPSession(1), cmd)
			if err == nil {
				return
			}
			if ctx.Err() != nil {
				t.Fatalf("proposal %q: %v", cmd, err)
			}
			time.Sleep(10 * time.Millisecond) // no leader yet
		}
	}
	const proposals = 100
	propose(hosts[0], []byte{0}) // after the election
	before := make([]int64, n)
	for i := range syncs {
		before[i] = syncs[i].n.Load()
	}
	for i := 1; i < proposals; i++ {
		propose(hosts[0], []byte{byte(i)})
	}
	for i := range syncs {
		// A follower may sync several entries at once; that each entry
		// is durable before its answer, the power cut below shows.
		got := syncs[i].n.Load() - before[i]
		t.Logf("replica %d synced its files %d times for %d proposals", i+1, got, proposals-1)
		if got > 3*(proposals-1)/2 {
			t.Errorf("%d proposals synced replica %d's files %d times, want at most one each: no sync for the commit index alone", proposals-1, i+1, got)
		}
	}

	// The power goes everywhere: what was not synced is lost.
	for i, nh := range hosts {
		mems[i].SetIgnoreSyncs(true)
		nh.Close()
		mems[i].ResetToSyncedState()
		mems[i].SetIgnoreSyncs(false)
	}
	for i := range hosts {
		hosts[i] = start(i)
		defer hosts[i].Close()
	}
	for {
		got, err := hosts[0].SyncRead(ctx, 1, nil)
		if err == nil && len(got.([]string)) >= proposals {
			cmds := got.([]string)
			for i := range proposals {
				if cmds[i] != string([]byte{byte(i)}) {
					t.Fatalf("after the power went, entry %d is %q, want %q", i, cmds[i], []byte{byte(i)})
				}
			}
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("after the power went, the shard did not apply the %d proposals it answered (read: %v, %v)", proposals, got, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
