package raftnet

import (
	"context"
	"sync"
	"testing"
	"time"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/internal/testtime"
)

// slowCounter is a counter whose every entry takes a millisecond to
// apply: under load a follower has committed entries it has not applied
// yet at almost any moment.
type slowCounter struct{ counter }

func (c *slowCounter) Update(e sm.Entry) (sm.Result, error) {
	time.Sleep(time.Millisecond)
	return c.counter.Update(e)
}

func newSlowCounter(uint64, uint64) sm.IStateMachine { return &slowCounter{} }

// TestTransferUnderLoad moves a shard's leadership while proposals keep
// coming (Synod's copy of Dragonboat, change 13): the transfer's target,
// whose committed entries are seldom all applied when the leader's
// TimeoutNow comes, campaigns once they are, rather than skipping the
// campaign and leaving the transfer to fail an election timeout later.
// Each transfer is asked once: none is retried.
func TestTransferUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node hosts")
	}
	_, hosts, members := startThree(t, 10*time.Millisecond)
	for i, nh := range hosts {
		if err := nh.StartReplica(members, false, newSlowCounter, shardConfig(uint64(i+1))); err != nil {
			t.Fatalf("start replica %d: %v", i+1, err)
		}
	}
	waitLeader(t, hosts[0], 1)
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				for _, nh := range hosts {
					callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
					_, err := nh.SyncPropose(callCtx, nh.GetNoOPSession(interopShard), []byte("x"))
					cancel()
					if err != nil {
						// Dropped at once while a transfer is under way.
						time.Sleep(time.Millisecond)
					}
				}
			}
		})
	}
	defer func() { stop(); wg.Wait() }()
	time.Sleep(200 * time.Millisecond) // the followers fall behind in applying
	from := uint64(1)
	for _, to := range []uint64{2, 3, 1} {
		if err := hosts[from-1].RequestLeaderTransfer(interopShard, to); err != nil {
			t.Fatalf("transfer from %d to %d: %v", from, to, err)
		}
		deadline := time.Now().Add(testtime.Scaled(5 * time.Second))
		for {
			leader, _, ok, err := hosts[to-1].GetLeaderID(interopShard)
			if err == nil && ok && leader == to {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %d does not lead %v after the transfer from %d was asked (leader %d, known %v)", to, testtime.Scaled(5*time.Second), from, leader, ok)
			}
			time.Sleep(5 * time.Millisecond)
		}
		from = to
	}
}
