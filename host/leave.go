package host

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/synodhq/synod/host/internal/steer"
)

// A host asked to stop hands the leadership of the shards it leads to
// other voters first (HandOff), as an etcd member does, so that none of
// them waits out an election timeout once it is gone. Before that it
// tells its peers that it is leaving (PeerLeaving, through their internal
// API): otherwise the new leaders' steerers would hand the leaderships
// straight back to it, the shards' preferred host, which the catalogue
// counts as up for seconds after its last heartbeat. The word is not
// replicated: it only keeps leadership away, on the hosts that heard it,
// for steer.RebalanceAfter, the time a host that came back must have been
// up before leadership returns to it.

// PeerLeaving notes that another host of the cluster is about to stop:
// for steer.RebalanceAfter, the shards this host leads move no leadership
// to it.
func (h *Host) PeerLeaving(hostID uint64) error {
	if hostID == 0 || hostID == h.cfg.ID {
		return fmt.Errorf("%w: a leaving host's id must be another host's, not %d", ErrInvalidArgument, hostID)
	}
	c := h.ctl
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetLeft()
	if _, ok := c.leaving[hostID]; !ok && len(c.leaving) >= maxLeaving {
		return fmt.Errorf("%w: %d hosts said they are leaving within %s, the most this host notes", ErrInvalidArgument, maxLeaving, steer.RebalanceAfter)
	}
	c.leaving[hostID] = time.Now()
	h.cfg.Logger.Info("a peer is leaving: no leadership moves to it for a while", "host", h.cfg.Name, "peer", hostID, "for", steer.RebalanceAfter)
	return nil
}

// maxLeaving bounds the hosts a host notes as leaving at once: far more
// than a cluster stops at a time, far less memory than a caller that
// names every id could make it spend.
const maxLeaving = 1024

// forgetLeft forgets the hosts that said they were leaving longer than
// steer.RebalanceAfter ago. The caller holds c.mu.
func (c *controller) forgetLeft() {
	for id, at := range c.leaving {
		if time.Since(at) >= steer.RebalanceAfter {
			delete(c.leaving, id)
		}
	}
}

// leavingHosts returns the hosts that said they are leaving within
// steer.RebalanceAfter, forgetting the others; nil if none did.
func (c *controller) leavingHosts() map[uint64]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetLeft()
	if len(c.leaving) == 0 {
		return nil
	}
	hosts := make(map[uint64]bool, len(c.leaving))
	for id := range c.leaving {
		hosts[id] = true
	}
	return hosts
}

// HandOff asks every shard this host's replica leads, the meta shard
// among them, to move its leadership to another of its voters, and waits
// until this host leads none of them or ctx ends. It reports how many
// shards had a leader elsewhere when it returned, of those it led.
//
// A host about to stop calls it, once its peers know it is leaving (see
// PeerLeaving), so that its shards have a leader when it goes: a leader that just disappears costs
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
