package host

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/synodhq/synod/host/internal/steer"
	"github.com/synodhq/synod/host/meta"
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

// PeerLeaving notes that another host of the cluster, which this host's
// meta replica lists and has not removed, is about to stop: for
// steer.RebalanceAfter, the shards this host leads move no leadership to
// it. Asked again, the time counts from the last ask. The note lives in
// memory only: a host that restarts forgets it.
func (h *Host) PeerLeaving(ctx context.Context, hostID uint64) error {
	var hosts []meta.Host
	if err := h.ctl.localCatalogue(ctx, meta.Request{Op: meta.OpListHosts}, &hosts); err != nil {
		return fmt.Errorf("note host %d leaving: %w", hostID, err)
	}
	known := slices.ContainsFunc(hosts, func(m meta.Host) bool { return m.ID == hostID && m.State != meta.HostRemoved })
	if !known || hostID == h.cfg.ID {
		return fmt.Errorf("note host %d leaving: %w: not another host of the cluster", hostID, ErrHostNotFound)
	}
	c := h.ctl
	c.mu.Lock()
	c.forgetLeft()
	c.leaving[hostID] = time.Now()
	c.mu.Unlock()
	h.cfg.Logger.Info("a peer is leaving: no leadership moves to it for a while", "host", h.cfg.Name, "peer", hostID, "for", steer.RebalanceAfter)
	return nil
}

// SaidLeaving reports whether another host told this one, within
// steer.RebalanceAfter, that it is about to stop (see PeerLeaving). It
// may since have come back.
func (h *Host) SaidLeaving(hostID uint64) bool {
	c := h.ctl
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetLeft()
	_, ok := c.leaving[hostID]
	return ok
}

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
// until this host leads none or ctx ends. It reports how many of the
// shards it led have a leader elsewhere when it returns. From its call
// on, this host's replicas woken by a call campaign no more (see
// hasten). The host must not be closed.
//
// A host about to stop calls it, once its peers know it is leaving (see
// PeerLeaving), so that its shards have a leader when it goes: a leader
// that just disappears costs its shard an election timeout and a vote
// before a call there succeeds again. Each transfer is Raft's own: the
// leader holds proposals back, brings the chosen voter up to date and
// tells it to campaign at once. Voters on hosts the catalogue counts
// alive, and that did not say they are leaving, are asked first; one that
// does not take over within one and a half election timeouts is passed
// over for the next. The shards led here are listed again each time, so
// that a leadership taken meanwhile is handed over too. A crash cannot
// hand anything off, and the shards then wait as before.
func (h *Host) HandOff(ctx context.Context) int {
	h.replicas.handingOff.Store(true)
	// Listing the live voters holds the lifetime for a call of its own:
	// a second hold, taken while this one is held, would wait behind a
	// Close begun in between (sync.RWMutex), and Close for this one.
	live := h.ctl.liveVoters(ctx)
	if !h.life.tryAcquire() {
		return 0 // closing
	}
	defer h.life.release()
	// Dragonboat gives a transfer an election timeout to complete.
	retry := 3 * time.Duration(h.cfg.ElectionRTT*h.cfg.RTTMillisecond) * time.Millisecond / 2
	asked := make(map[uint64]int) // transfers asked, by shard
	poll := time.NewTicker(handOffPoll)
	defer poll.Stop()
	for led := h.ledHere(); len(led) > 0 && ctx.Err() == nil; led = h.ledHere() {
		for shardID, si := range led {
			voters := votersToAsk(si, live)
			// Dragonboat ignores an ask while a transfer is under way,
			// and aborts one whose voter did not take over within an
			// election timeout: the next ask goes to the next voter.
			to := voters[asked[shardID]%len(voters)]
			if err := h.nh.RequestLeaderTransfer(shardID, to); err != nil {
				h.cfg.Logger.Debug("hand leadership over", "host", h.cfg.Name, "shard", shardID, "to", to, "err", err)
			}
			asked[shardID]++
		}
		// Until each has a leader elsewhere: in a transfer, this host
		// knows no leader for a while.
		for end := time.Now().Add(retry); time.Now().Before(end) && !h.ledElsewhere(led); {
			select {
			case <-ctx.Done():
				return h.handedOver(asked)
			case <-poll.C:
			}
		}
	}
	return h.handedOver(asked)
}

// ledHere returns the shards this host's replica leads and that have
// another voter, by id.
func (h *Host) ledHere() map[uint64]dragonboat.ShardInfo {
	info := h.nh.GetNodeHostInfo(dragonboat.NodeHostInfoOption{SkipLogInfo: true})
	if info == nil {
		return nil // closed
	}
	led := make(map[uint64]dragonboat.ShardInfo)
	for _, si := range info.ShardInfoList {
		if here, _ := h.leaderOf(si.ShardID); here && len(si.Replicas) > 1 {
			led[si.ShardID] = si
		}
	}
	return led
}

// leaderOf reports whether this host's replica leads a shard (here), or
// another replica that this host knows of does (elsewhere); neither
// while it knows no leader.
func (h *Host) leaderOf(shardID uint64) (here, elsewhere bool) {
	leader, _, valid, err := h.nh.GetLeaderID(shardID)
	si, ok := h.nh.GetLocalShardInfo(shardID)
	if err != nil || !ok || !valid {
		return false, false
	}
	return leader == si.ReplicaID, leader != si.ReplicaID
}

// ledElsewhere reports whether each of the shards has a known leader
// other than this host's replica.
func (h *Host) ledElsewhere(shards map[uint64]dragonboat.ShardInfo) bool {
	for shardID := range shards {
		if _, elsewhere := h.leaderOf(shardID); !elsewhere {
			return false
		}
	}
	return true
}

// handedOver counts, and logs at debug level, the shards asked of that
// have a leader elsewhere.
func (h *Host) handedOver(asked map[uint64]int) int {
	n := 0
	for shardID, times := range asked {
		if _, elsewhere := h.leaderOf(shardID); elsewhere {
			h.cfg.Logger.Debug("handed leadership over", "host", h.cfg.Name, "shard", shardID, "asked", times)
			n++
		}
	}
	return n
}

// liveVoters returns the Raft addresses of the other hosts that the
// catalogue counts alive and that did not say they are leaving; nil if
// the catalogue cannot be read.
func (c *controller) liveVoters(ctx context.Context) map[string]bool {
	peers, err := c.livePeers(ctx)
	if err != nil {
		return nil
	}
	leaving := c.leavingHosts()
	live := make(map[string]bool, len(peers))
	for _, m := range peers {
		if !leaving[m.ID] {
			live[m.RaftAddr] = true
		}
	}
	return live
}

// LivePeers returns the other hosts that this host's meta replica counts
// alive.
func (h *Host) LivePeers(ctx context.Context) ([]meta.Host, error) {
	return h.ctl.livePeers(ctx)
}

// livePeers is [Host.LivePeers].
func (c *controller) livePeers(ctx context.Context) ([]meta.Host, error) {
	var hosts []meta.Host
	if err := c.localCatalogue(ctx, meta.Request{Op: meta.OpListHosts}, &hosts); err != nil {
		return nil, fmt.Errorf("list hosts: %w", err)
	}
	now := time.Now().UnixNano()
	return slices.DeleteFunc(hosts, func(m meta.Host) bool { return m.ID == c.cfg.ID || !m.Alive(now) }), nil
}

// votersToAsk returns a shard's voters other than this host's replica,
// those at a live address first, each group by replica id.
func votersToAsk(si dragonboat.ShardInfo, live map[string]bool) []uint64 {
	var voters []uint64
	for id := range si.Replicas {
		if id != si.ReplicaID {
			voters = append(voters, id)
		}
	}
	rank := func(id uint64) int {
		if live[si.Replicas[id]] {
			return 0
		}
		return 1
	}
	slices.SortFunc(voters, func(a, b uint64) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
	return voters
}

// handOffPoll paces HandOff's checks of the shards it hands over.
const handOffPoll = 5 * time.Millisecond
