package host

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/synodhq/synod/host/meta"
)

// rebalanceAfter is how long a host must have been up before leadership
// moves back to it: long enough that a host that flaps does not drag
// leadership (and the pause each move costs) around with it.
const rebalanceAfter = 30 * time.Second

// steerTimeout bounds one step of steering a shard's membership.
const steerTimeout = 3 * time.Second

// transferBackoff is how long the reconciler waits between two attempts
// to move a shard's leadership: a transfer holds proposals back while it
// runs, so one that fails must not be retried at once.
const transferBackoff = 10 * time.Second

// steer changes the Raft membership of a shard this host leads towards
// the catalogue's replicas, one step per call, and reports whether it took
// (or is waiting on) a step:
//
//  1. a replica the catalogue adds joins as a non-voting member, so it
//     catches up without counting towards (and slowing) the quorum;
//  2. once its host reports it caught up, it is promoted to a voter;
//  3. once no replica is catching up, a member the catalogue dropped is
//     removed (if it is this leader, it hands leadership over first), and
//     then recorded as gone, which lets its host stop it;
//  4. once the membership matches, leadership moves to the preferred
//     replica: at once for a new shard, else once the preferred host has
//     been up for rebalanceAfter.
func (c *controller) steer(ctx context.Context, s meta.Shard, self uint64, hosts map[uint64]meta.Host) (acted bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, steerTimeout)
	defer cancel()
	m, err := c.nh.SyncGetShardMembership(ctx, s.ID)
	if err != nil {
		return false, fmt.Errorf("read membership: %w", err)
	}
	for _, r := range s.Replicas {
		_, voter := m.Nodes[r.ReplicaID]
		_, nonVoting := m.NonVotings[r.ReplicaID]
		addr := hosts[r.HostID].RaftAddr
		switch {
		case !voter && !nonVoting:
			if stale, ok := memberAt(m, addr); ok {
				// A replacement host took over the address of a host that
				// is gone; dragonboat admits one member per address, so
				// the old member goes first.
				c.cfg.Logger.Info("removing replica of a replaced host", "shard", s.Name, "replica", stale)
				return true, c.nh.SyncRequestDeleteReplica(ctx, s.ID, stale, m.ConfigChangeID)
			}
			c.cfg.Logger.Info("adding replica", "shard", s.Name, "replica", r.ReplicaID, "host", r.HostID)
			return true, c.nh.SyncRequestAddNonVoting(ctx, s.ID, r.ReplicaID, addr, m.ConfigChangeID)
		case nonVoting && !r.Learning:
			c.cfg.Logger.Info("promoting replica", "shard", s.Name, "replica", r.ReplicaID, "host", r.HostID)
			return true, c.nh.SyncRequestAddReplica(ctx, s.ID, r.ReplicaID, addr, m.ConfigChangeID)
		}
	}
	for _, r := range s.Leaving {
		if _, ok := memberOf(m, r.ReplicaID); !ok {
			_, err := c.data.proposeForwarded(ctx, meta.Request{Op: meta.OpReplicaLeft, Name: s.Name, ReplicaID: r.ReplicaID})
			return true, err
		}
	}
	if !s.CaughtUp() {
		return true, nil // waiting for a nonVoting to catch up
	}
	for _, id := range members(m) {
		if _, ok := s.Replica(id); ok {
			continue
		}
		if id == self {
			to := s.Leader
			if _, ok := s.Replica(to); !ok {
				to = s.Replicas[0].ReplicaID
			}
			return true, c.transferLeader(s, to)
		}
		c.cfg.Logger.Info("removing replica", "shard", s.Name, "replica", id)
		return true, c.nh.SyncRequestDeleteReplica(ctx, s.ID, id, m.ConfigChangeID)
	}
	preferred, ok := s.Replica(s.Leader)
	now := time.Now().UnixNano()
	fresh := now-s.CreateNanos < int64(rebalanceAfter) // no host has failed it yet
	if ok && s.Leader != self && (fresh && hosts[preferred.HostID].Alive(now) || hosts[preferred.HostID].UpFor(now, rebalanceAfter)) {
		return true, c.transferLeader(s, s.Leader)
	}
	return false, nil
}

// transferLeader asks the shard's leadership to move to a replica, at most
// once per transferBackoff.
func (c *controller) transferLeader(s meta.Shard, to uint64) error {
	c.mu.Lock()
	last := c.lastTransfers[s.ID]
	if time.Since(last) < transferBackoff {
		c.mu.Unlock()
		return nil
	}
	c.lastTransfers[s.ID] = time.Now()
	c.mu.Unlock()
	c.cfg.Logger.Info("transferring leadership", "shard", s.Name, "to", to)
	return c.nh.RequestLeaderTransfer(s.ID, to)
}

// memberOf returns the address of a voting or non-voting member.
func memberOf(m *dragonboat.Membership, id uint64) (string, bool) {
	if a, ok := m.Nodes[id]; ok {
		return a, true
	}
	a, ok := m.NonVotings[id]
	return a, ok
}

// memberAt returns the member with the given Raft address.
func memberAt(m *dragonboat.Membership, addr string) (uint64, bool) {
	for _, set := range []map[uint64]string{m.Nodes, m.NonVotings} {
		for id, a := range set {
			if a == addr {
				return id, true
			}
		}
	}
	return 0, false
}

// members returns the voting and non-voting members, ordered.
func members(m *dragonboat.Membership) []uint64 {
	var ids []uint64
	for id := range m.Nodes {
		ids = append(ids, id)
	}
	for id := range m.NonVotings {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// reportCaughtUp records in the catalogue that this host's joined replica
// of s has caught up: a ReadIndex through it completes only once it has
// applied everything the leader had committed when the read began.
func (c *controller) reportCaughtUp(ctx context.Context, s meta.Shard, replicaID uint64) error {
	rs, err := c.nh.ReadIndex(s.ID, 2*time.Second)
	if err != nil {
		return fmt.Errorf("read index: %w", err)
	}
	r := <-rs.ResultC()
	rs.Release()
	if !r.Completed() {
		return nil // not a member yet, or not caught up: try again later
	}
	_, err = c.data.proposeForwarded(ctx, meta.Request{Op: meta.OpReplicaCaughtUp, Name: s.Name, ReplicaID: replicaID})
	return err
}

// metaVoters is how many voting members the meta shard should have with
// the given number of hosts able to hold one: 5 once there are 5, else up
// to 3.
func metaVoters(hosts int) int {
	if hosts >= 5 {
		return 5
	}
	return min(hosts, 3)
}

// steerMeta, on the meta leader, keeps the meta shard's membership in line
// with the hosts, one step per call: every host gets a non-voting replica,
// enough live hosts are promoted to voters, and then the replicas of
// removed hosts are deleted. Promoting before deleting keeps the quorum
// as large as it can be while a voter's host is replaced.
func (c *controller) steerMeta(ctx context.Context, hosts map[uint64]meta.Host) error {
	if !c.data.leads(meta.ShardID) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, steerTimeout)
	defer cancel()
	m, err := c.nh.SyncGetShardMembership(ctx, meta.ShardID)
	if err != nil {
		return fmt.Errorf("read membership: %w", err)
	}
	// Hosts of the initial cluster that did not bootstrap as voters join
	// before they can register: add them from the initial list.
	hosts = maps.Clone(hosts)
	for id, addr := range c.cfg.MetaMembers {
		if _, ok := hosts[id]; !ok {
			hosts[id] = meta.Host{ID: id, Name: fmt.Sprintf("host %d", id), RaftAddr: addr, State: meta.HostJoining}
		}
	}
	ids := slices.Sorted(maps.Keys(hosts))
	now := time.Now().UnixNano()
	voters, eligible := 0, 0
	for _, id := range ids {
		hi := hosts[id]
		if hi.State == meta.HostRemoved {
			continue
		}
		_, voter := m.Nodes[id]
		_, nonVoting := m.NonVotings[id]
		if !voter && !nonVoting {
			if _, taken := memberAt(m, hi.RaftAddr); taken {
				// The host replaces a removed one at the same address:
				// dragonboat admits one member per address, so it waits
				// until the old member is deleted below.
				continue
			}
			c.cfg.Logger.Info("adding meta replica", "host", hi.Name, "id", id)
			return c.nh.SyncRequestAddNonVoting(ctx, meta.ShardID, id, hi.RaftAddr, m.ConfigChangeID)
		}
		if voter {
			voters++
		}
		if voter || hi.Placeable(now) {
			eligible++
		}
	}
	if voters < metaVoters(eligible) {
		for _, id := range ids {
			if _, nonVoting := m.NonVotings[id]; nonVoting && hosts[id].Placeable(now) {
				c.cfg.Logger.Info("promoting meta replica", "host", hosts[id].Name, "id", id)
				return c.nh.SyncRequestAddReplica(ctx, meta.ShardID, id, hosts[id].RaftAddr, m.ConfigChangeID)
			}
		}
	}
	for _, id := range members(m) {
		// A member not in the catalogue is a host of the initial cluster
		// that has not registered yet.
		if hi, ok := hosts[id]; !ok || hi.State != meta.HostRemoved {
			continue
		}
		if id == c.cfg.ID {
			return c.transferLeader(meta.Shard{ID: meta.ShardID, Name: "meta"}, otherVoter(m, id))
		}
		c.cfg.Logger.Info("removing meta replica", "id", id)
		return c.nh.SyncRequestDeleteReplica(ctx, meta.ShardID, id, m.ConfigChangeID)
	}
	return nil
}

// otherVoter returns a voting member other than self.
func otherVoter(m *dragonboat.Membership, self uint64) uint64 {
	for _, id := range members(m) {
		if _, ok := m.Nodes[id]; ok && id != self {
			return id
		}
	}
	return 0
}
