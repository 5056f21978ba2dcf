package host

import (
	"context"
	"slices"
	"time"

	"github.com/lni/dragonboat/v4"
)

// HandOff asks every shard this host's replica leads, the meta shard
// among them, to move its leadership to another of its voters, and waits
// until this host leads none of them or ctx ends. It reports how many
// shards had a leader elsewhere when it returned, of those it led.
//
// A host about to stop calls it, as an etcd member does, so that its
// shards have a leader when it goes: a leader that just disappears costs
// its shard an election timeout and a vote before a call there succeeds
// again. Each transfer is Raft's own: the leader holds proposals back,
// brings the chosen voter up to date and tells it to campaign at once; a
// voter that does not take over within one and a half election timeouts
// is passed over for the next. A crash cannot hand anything off, and the shards then wait
// as before.
func (h *Host) HandOff(ctx context.Context) int {
	info := h.nh.GetNodeHostInfo(dragonboat.NodeHostInfoOption{SkipLogInfo: true})
	if info == nil {
		return 0 // closed
	}
	// tries counts the transfers asked of each shard led here.
	tries := make(map[uint64]int)
	targets := make(map[uint64][]uint64)
	for _, si := range info.ShardInfoList {
		if leader, _, valid, err := h.nh.GetLeaderID(si.ShardID); err != nil || !valid || leader != si.ReplicaID {
			continue
		}
		var others []uint64
		for id := range si.Replicas {
			if id != si.ReplicaID {
				others = append(others, id)
			}
		}
		if len(others) == 0 {
			continue // a shard of one replica has no one to hand over to
		}
		slices.Sort(others)
		targets[si.ShardID] = others
	}
	// Dragonboat gives a transfer an election timeout to complete.
	retry := 3 * time.Duration(h.cfg.ElectionRTT*h.cfg.RTTMillisecond) * time.Millisecond / 2
	handed := 0
	poll := time.NewTicker(handOffPoll)
	defer poll.Stop()
	var asked time.Time
	for len(targets) > 0 {
		if time.Since(asked) >= retry {
			for shardID, others := range targets {
				// Dragonboat refuses a transfer while one is under way,
				// and aborts one whose voter did not take over in an
				// election timeout: the next ask goes to the next voter.
				_ = h.nh.RequestLeaderTransfer(shardID, others[tries[shardID]%len(others)])
				tries[shardID]++
			}
			asked = time.Now()
		}
		select {
		case <-ctx.Done():
			return handed
		case <-poll.C:
		}
		for shardID := range targets {
			leader, _, valid, err := h.nh.GetLeaderID(shardID)
			self, ok := h.replicaOf(shardID)
			if err != nil || !ok || valid && leader != self {
				// Led elsewhere, or no longer here at all.
				delete(targets, shardID)
				if err == nil && ok {
					handed++
				}
			}
		}
	}
	return handed
}

// replicaOf returns this host's replica of a shard, as dragonboat runs it.
func (h *Host) replicaOf(shardID uint64) (uint64, bool) {
	si, ok := h.nh.GetLocalShardInfo(shardID)
	return si.ReplicaID, ok
}

// handOffPoll paces HandOff's checks of the shards it hands over.
const handOffPoll = 5 * time.Millisecond
