package raftnet

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4"
	"github.com/lni/dragonboat/v4/config"
	"github.com/lni/vfs"
)

// slowSyncs, wrapped around a file system, makes each of its syncs take
// delay longer (none while delay is 0).
type slowSyncs struct{ delay atomic.Int64 }

func (s *slowSyncs) MaybeError(op vfs.Op) error {
	if op == vfs.OpSync {
		time.Sleep(time.Duration(s.delay.Load()))
	}
	return nil
}

// TestStallsKeepTheLeader (change 11 of Synod's copy of Dragonboat): while
// every replica's Raft log takes five election timeouts to sync, as a
// large entry on a starved machine does, proposals commit and nobody
// stands for election: a replica's Raft clock counts at most a heartbeat
// interval for the time its step worker could not run, not every tick
// that queued up meanwhile, so the followers, stalled with their leader
// on the same entry, do not wake to find that they have not heard from
// it for an election timeout.
func TestStallsKeepTheLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node hosts and stalls them")
	}
	const rtt, electionRTT = 10 * time.Millisecond, 20
	stalls := make([]slowSyncs, 3)
	_, hosts, members := startThreeWith(t, func(i int, f *Factory) *dragonboat.NodeHost {
		return startNodeHostOn(t, f, rtt, vfs.Wrap(vfs.Default, &stalls[i]))
	})
	for i, nh := range hosts {
		cfg := config.Config{
			ShardID: interopShard, ReplicaID: uint64(i + 1),
			ElectionRTT: electionRTT, HeartbeatRTT: 2, CheckQuorum: true, PreVote: true,
		}
		if err := nh.StartReplica(members, false, newCounter, cfg); err != nil {
			t.Fatalf("start replica %d: %v", i+1, err)
		}
	}
	waitLeader(t, hosts[0], 1)
	propose(t, hosts[0], 3)
	_, term, _, err := hosts[0].GetLeaderID(interopShard)
	if err != nil {
		t.Fatal(err)
	}

	const stall, stalled = 5 * electionRTT * rtt, 3
	for i := range stalls {
		stalls[i].delay.Store(int64(stall))
	}
	began := time.Now()
	last := proposeEach(t, hosts[0], stalled)
	if took := time.Since(began); took < stalled*stall {
		t.Fatalf("%d proposals took %v, want %v or more: their syncs did not stall", stalled, took, stalled*stall)
	}
	for i := range stalls {
		stalls[i].delay.Store(0)
	}
	last = proposeEach(t, hosts[0], 3)
	waitApplied(t, hosts, last)
	for i, nh := range hosts {
		leader, now, ok, err := nh.GetLeaderID(interopShard)
		if err != nil || !ok || leader != 1 || now != term {
			t.Errorf("replica %d sees leader %d in term %d (known %v, %v), want 1 in term %d: the stalls made an election", i+1, leader, now, ok, err, term)
		}
	}
}
