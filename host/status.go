package host

import (
	"context"
	"fmt"

	"github.com/lni/dragonboat/v4"
)

// ReplicaStatus is what a host knows of one shard: the shard's leader as
// the host's replica sees it, and the replica's own state.
type ReplicaStatus struct {
	// HasLeader is set when the host knows the shard's leader, whose
	// replica id is LeaderReplicaID.
	HasLeader       bool
	LeaderReplicaID uint64
	// HasReplica is set when the host runs a replica of the shard; Voting
	// and Health describe it, and are zero otherwise.
	HasReplica bool
	// Voting reports whether the replica is a voting member, as the
	// replica itself knows.
	Voting bool
	// Health is the replica's applied index, checksum and verification.
	Health
}

// Status reports what this host knows of a shard. A host that runs no
// replica of it answers with HasReplica unset: that is data, not an error.
// The error is [ErrClosed] once the host is closed. The answer is local
// and never waits, so ctx is unused; it is there for hosts reached over a
// network.
func (h *Host) Status(_ context.Context, shardID uint64) (ReplicaStatus, error) {
	health, running := h.health(shardID)
	if err := h.acquire(); err != nil {
		return ReplicaStatus{}, fmt.Errorf("status of shard %d on host %d: %w", shardID, h.cfg.ID, err)
	}
	defer h.life.RUnlock()
	st := ReplicaStatus{HasReplica: running}
	if id, _, valid, err := h.nh.GetLeaderID(shardID); err == nil && valid {
		st.HasLeader, st.LeaderReplicaID = true, id
	}
	if running {
		st.Health, st.Voting = health, h.voting(shardID)
	}
	return st, nil
}

// voting reports whether this host's replica of a shard is a voting
// member; false while it starts. The caller holds h.life.
func (h *Host) voting(shardID uint64) bool {
	for _, si := range h.nh.GetNodeHostInfo(dragonboat.NodeHostInfoOption{SkipLogInfo: true}).ShardInfoList {
		if si.ShardID == shardID && !si.Pending {
			return !si.IsNonVoting
		}
	}
	return false
}
