package raftnet

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4"
	"github.com/lni/dragonboat/v4/config"
	sm "github.com/lni/dragonboat/v4/statemachine"
	"github.com/lni/vfs"

	"github.com/synodhq/synod/internal/testport"
)

// counter is a state machine that counts its entries.
type counter struct {
	mu       sync.Mutex
	n        uint64
	fromSnap bool // recovered from a snapshot
}

func (c *counter) recovered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fromSnap
}

func (c *counter) Update(e sm.Entry) (sm.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return sm.Result{Value: c.n}, nil
}

func (c *counter) Lookup(any) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, nil
}

func (c *counter) SaveSnapshot(w io.Writer, _ sm.ISnapshotFileCollection, _ <-chan struct{}) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return binary.Write(w, binary.BigEndian, c.n)
}

func (c *counter) RecoverFromSnapshot(r io.Reader, _ []sm.SnapshotFile, _ <-chan struct{}) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fromSnap = true
	return binary.Read(r, binary.BigEndian, &c.n)
}

func (c *counter) Close() error { return nil }

// startNodeHost starts a NodeHost with raftnet's transport, or with
// dragonboat's own when f is nil.
func startNodeHost(t *testing.T, f config.TransportFactory) *dragonboat.NodeHost {
	t.Helper()
	return startNodeHostTicking(t, f, 10*time.Millisecond)
}

// startNodeHostTicking is startNodeHost with a Raft clock that ticks
// every rtt.
func startNodeHostTicking(t *testing.T, f config.TransportFactory, rtt time.Duration) *dragonboat.NodeHost {
	t.Helper()
	return startNodeHostOn(t, f, rtt, nil)
}

// startNodeHostOn is startNodeHostTicking with its files on fs (nil: the
// real file system).
func startNodeHostOn(t *testing.T, f config.TransportFactory, rtt time.Duration, fs vfs.FS) *dragonboat.NodeHost {
	t.Helper()
	nh, err := dragonboat.NewNodeHost(config.NodeHostConfig{
		NodeHostDir:    t.TempDir(),
		RTTMillisecond: uint64(rtt / time.Millisecond),
		RaftAddress:    testport.Addr(t),
		Expert:         config.ExpertConfig{LogDB: config.GetTinyMemLogDBConfig(), TransportFactory: f, FS: fs},
	})
	if err != nil {
		t.Fatalf("start node host: %v", err)
	}
	t.Cleanup(nh.Close)
	return nh
}

const interopShard = 100

func shardConfig(replica uint64) config.Config {
	return config.Config{
		ShardID: interopShard, ReplicaID: replica,
		ElectionRTT: 20, HeartbeatRTT: 2, CheckQuorum: true,
		SnapshotEntries: 10, CompactionOverhead: 2,
	}
}

func newCounter(uint64, uint64) sm.IStateMachine { return &counter{} }

// TestInteroperatesWithDragonboatTCP runs one shard across hosts with
// raftnet's transport and hosts with dragonboat's, and has replicas join
// once the log is compacted, so that each catches up by a snapshot: one
// sent by dragonboat's transport to raftnet's, one sent the other way.
func TestInteroperatesWithDragonboatTCP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four node hosts")
	}
	f, err := NewFactory(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := startNodeHost(t, f), startNodeHost(t, nil)
	members := map[uint64]dragonboat.Target{1: ours.RaftAddress(), 2: theirs.RaftAddress()}
	for i, nh := range []*dragonboat.NodeHost{ours, theirs} {
		if err := nh.StartReplica(members, false, newCounter, shardConfig(uint64(i+1))); err != nil {
			t.Fatalf("start replica %d: %v", i+1, err)
		}
	}
	// Every commit needs both replicas, so each is a round trip between
	// the two transports.
	propose(t, ours, 30)
	// Replica 3 (raftnet) joins through a snapshot from replica 2
	// (dragonboat's transport), replica 4 (dragonboat's) through one
	// from replica 1 (raftnet).
	joinBySnapshot(t, theirs, startNodeHost(t, f), 3, 2)
	joinBySnapshot(t, ours, startNodeHost(t, nil), 4, 1)
}

// propose commits n entries through nh.
func propose(t *testing.T, nh *dragonboat.NodeHost, n int) uint64 {
	t.Helper()
	var last uint64
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		res, err := nh.SyncPropose(ctx, nh.GetNoOPSession(interopShard), []byte("x"))
		cancel()
		if errors.Is(err, dragonboat.ErrShardNotReady) || errors.Is(err, dragonboat.ErrTimeout) || errors.Is(err, dragonboat.ErrSystemBusy) {
			time.Sleep(50 * time.Millisecond)
			i--
			continue
		}
		if err != nil {
			t.Fatalf("propose: %v", err)
		}
		last = res.Value
	}
	return last
}

// joinBySnapshot makes replica leaderID, on via, the shard's leader,
// adds a replica on joiner, and waits until it has caught up, which the
// compacted log leaves only a snapshot to do.
func joinBySnapshot(t *testing.T, via, joiner *dragonboat.NodeHost, replica, leaderID uint64) {
	t.Helper()
	waitLeader(t, via, leaderID)
	want := propose(t, via, 25)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := via.SyncRequestAddReplica(ctx, interopShard, replica, joiner.RaftAddress(), 0); err != nil {
		t.Fatalf("add replica %d: %v", replica, err)
	}
	c := &counter{}
	create := func(uint64, uint64) sm.IStateMachine { return c }
	if err := joiner.StartReplica(nil, true, create, shardConfig(replica)); err != nil {
		t.Fatalf("start replica %d: %v", replica, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := joiner.StaleRead(interopShard, nil)
		if err == nil && n.(uint64) >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %d holds %v (%v), want %d", replica, n, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !c.recovered() {
		t.Fatalf("replica %d caught up without a snapshot", replica)
	}
}

// waitLeader makes replica id the shard's leader.
func waitLeader(t *testing.T, nh *dragonboat.NodeHost, id uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		leader, _, ok, err := nh.GetLeaderID(interopShard)
		if err == nil && ok && leader == id {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %d did not become leader (leader %d)", id, leader)
		}
		if ok {
			_ = nh.RequestLeaderTransfer(interopShard, id)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
