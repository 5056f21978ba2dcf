package host

import (
	"context"
	"fmt"
	"time"

	"github.com/synodhq/synod/host/internal/steer"
	"github.com/synodhq/synod/host/meta"
)

// steerTimeout bounds one step of steering a shard's membership.
const steerTimeout = 3 * time.Second

// transferBackoff is how long the reconciler waits between two attempts
// to move a shard's leadership: a transfer holds proposals back while it
// runs, so one that fails must not be retried at once.
const transferBackoff = 10 * time.Second

// steer takes the next step (see package steer) that brings the Raft
// membership and leadership of a shard this host leads, with replica
// self, in line with the catalogue, and reports whether it took (or is
// waiting on) a step.
func (c *controller) steer(ctx context.Context, s meta.Shard, self uint64, hosts map[uint64]meta.Host) (acted bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, steerTimeout)
	defer cancel()
	m, err := c.membership(ctx, s.ID)
	if err != nil {
		return false, err
	}
	st := steer.Next(steer.Input{Shard: s, Hosts: hosts, Members: m, Self: self, Now: time.Now().UnixNano(), Leaving: c.leavingHosts()})
	return st.Kind != steer.Nothing, c.take(ctx, s.ID, m.ConfigChangeID, st)
}

// membership reads a shard's Raft membership.
func (c *controller) membership(ctx context.Context, shardID uint64) (steer.Membership, error) {
	m, err := c.nh.SyncGetShardMembership(ctx, shardID)
	if err != nil {
		return steer.Membership{}, fmt.Errorf("read membership: %w", err)
	}
	return steer.Membership{ConfigChangeID: m.ConfigChangeID, Voters: m.Nodes, NonVoting: m.NonVotings}, nil
}

// take performs a step on a shard whose membership was read at config
// change ccid.
func (c *controller) take(ctx context.Context, shardID, ccid uint64, st steer.Step) error {
	switch st.Kind {
	case steer.Nothing, steer.Wait:
		return nil
	case steer.TransferLeader:
		return c.transferLeader(shardID, st) // it logs only the transfers it asks for
	}
	c.cfg.Logger.Info("steering", "step", st.String())
	switch st.Kind {
	case steer.AddNonVoting:
		return c.nh.SyncRequestAddNonVoting(ctx, shardID, st.ReplicaID, st.Addr, ccid)
	case steer.Promote:
		return c.nh.SyncRequestAddReplica(ctx, shardID, st.ReplicaID, st.Addr, ccid)
	case steer.DeleteReplica:
		return c.nh.SyncRequestDeleteReplica(ctx, shardID, st.ReplicaID, ccid)
	case steer.RecordLeft:
		_, err := c.data.proposeForwarded(ctx, meta.Request{Op: meta.OpReplicaLeft, ShardID: shardID, ReplicaID: st.ReplicaID})
		return err
	}
	return fmt.Errorf("unknown steering step %v", st)
}

// transferLeader asks a shard's leadership to move as the step says, at
// most once per transferBackoff.
func (c *controller) transferLeader(shardID uint64, st steer.Step) error {
	c.mu.Lock()
	last := c.lastTransfers[shardID]
	if time.Since(last) < transferBackoff {
		c.mu.Unlock()
		return nil
	}
	c.lastTransfers[shardID] = time.Now()
	c.mu.Unlock()
	c.cfg.Logger.Info("steering", "step", st.String())
	return c.nh.RequestLeaderTransfer(shardID, st.ReplicaID)
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
	_, err = c.data.proposeForwarded(ctx, meta.Request{Op: meta.OpReplicaCaughtUp, ShardID: s.ID, ReplicaID: replicaID})
	return err
}

// steerMeta, on the meta leader, takes the next step (see package steer)
// that brings the meta shard's membership in line with the hosts.
func (c *controller) steerMeta(ctx context.Context, hosts map[uint64]meta.Host) error {
	if !c.data.leads(meta.ShardID) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, steerTimeout)
	defer cancel()
	m, err := c.membership(ctx, meta.ShardID)
	if err != nil {
		return err
	}
	st := steer.NextMeta(steer.MetaInput{Hosts: hosts, Initial: c.cfg.MetaMembers, Members: m, Self: c.cfg.ID, Now: time.Now().UnixNano()})
	return c.take(ctx, meta.ShardID, m.ConfigChangeID, st)
}
