package raftnet

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4"
	"github.com/lni/dragonboat/v4/config"
	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/synodhq/synod/internal/testtime"
)

// tap is raftnet's transport that counts the ReplicateResp messages its
// host receives, and loses every lose-th of them (none while lose is 0).
type tap struct {
	*Factory
	answers, lost atomic.Int64
	lose          atomic.Int64
}

func (tp *tap) Create(nh config.NodeHostConfig, handle raftio.MessageHandler, chunks raftio.ChunkHandler) raftio.ITransport {
	return tp.Factory.Create(nh, func(b pb.MessageBatch) {
		kept := b.Requests[:0]
		for _, m := range b.Requests {
			if m.Type == pb.ReplicateResp {
				n := tp.answers.Add(1)
				if every := tp.lose.Load(); every > 0 && n%every == 0 {
					tp.lost.Add(1)
					continue
				}
			}
			kept = append(kept, m)
		}
		b.Requests = kept
		handle(b)
	}, chunks)
}

// TestCommitsAreNotAnswered (change 10 of Synod's copy of Dragonboat):
// a follower answers each entry it is sent, but not the Replicate that
// then only tells it the commit index, so under one client the leader
// receives one answer an entry from each follower where it received two;
// the followers still learn every commit and apply every entry. With a
// quarter of the answers lost, with three replicas and then with one
// stopped, every proposal still commits, each on its own: a lost answer
// is asked for again.
func TestCommitsAreNotAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node hosts")
	}
	taps := make([]*tap, 3)
	_, hosts, members := startThreeWith(t, func(i int, f *Factory) *dragonboat.NodeHost {
		taps[i] = &tap{Factory: f}
		return startNodeHostTicking(t, taps[i], 10*time.Millisecond)
	})
	for i, nh := range hosts {
		cfg := shardConfig(uint64(i + 1))
		// Rare heartbeats: a heartbeat's answer that finds a follower
		// behind is answered with a Replicate that the follower answers,
		// which the count below would see.
		cfg.HeartbeatRTT, cfg.ElectionRTT = 20, 200
		if err := nh.StartReplica(members, false, newCounter, cfg); err != nil {
			t.Fatalf("start replica %d: %v", i+1, err)
		}
	}
	waitLeader(t, hosts[0], 1)
	propose(t, hosts[0], 5)

	const proposals = 100
	before := taps[0].answers.Load()
	last := proposeEach(t, hosts[0], proposals)
	answers := taps[0].answers.Load() - before
	t.Logf("the leader received %d answers for %d proposals", answers, proposals)
	// 2 a proposal, one from each follower; 4 without the change, 3 if
	// only a follower known to hold the entry were spared.
	if answers < proposals || answers > 5*proposals/2 {
		t.Errorf("the leader received %d answers for %d proposals, want %d to %d", answers, proposals, proposals, 5*proposals/2)
	}
	waitApplied(t, hosts, last)

	taps[0].lose.Store(4)
	last = proposeEach(t, hosts[0], 30)
	waitApplied(t, hosts, last)
	if err := hosts[2].StopReplica(interopShard, 3); err != nil {
		t.Fatalf("stop replica 3: %v", err)
	}
	// Each proposal now needs replica 2's answer.
	last = proposeEach(t, hosts[0], 30)
	waitApplied(t, hosts[:2], last)
	if lost := taps[0].lost.Load(); lost < 10 {
		t.Errorf("the leader lost %d answers, want 10 or more: the test lost too few to show anything", lost)
	}
	if leader, _, ok, err := hosts[0].GetLeaderID(interopShard); err != nil || !ok || leader != 1 {
		t.Errorf("leader %d (known %v, %v), want 1: the answers above were not all the leader's", leader, ok, err)
	}
}

// proposeEach commits n entries through nh, one at a time, each within
// its own deadline and without a retry (a new proposal would carry the
// commit of one stuck), and returns the count the last one left.
func proposeEach(t *testing.T, nh *dragonboat.NodeHost, n int) uint64 {
	t.Helper()
	var last uint64
	for i := range n {
		ctx, cancel := context.WithTimeout(t.Context(), testtime.Scaled(10*time.Second))
		res, err := nh.SyncPropose(ctx, nh.GetNoOPSession(interopShard), []byte("x"))
		cancel()
		if err != nil {
			t.Fatalf("proposal %d: %v", i, err)
		}
		last = res.Value
	}
	return last
}

// waitApplied waits until every replica on hosts has applied count
// entries.
func waitApplied(t *testing.T, hosts []*dragonboat.NodeHost, count uint64) {
	t.Helper()
	deadline := time.Now().Add(testtime.Scaled(20 * time.Second))
	for i, nh := range hosts {
		for {
			n, err := nh.StaleRead(interopShard, nil)
			if err == nil && n.(uint64) >= count {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %d holds %v (%v), want %d", i+1, n, err, count)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
