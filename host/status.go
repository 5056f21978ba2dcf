package host

import (
	"context"

	"github.com/lni/dragonboat/v4"
)

// Leader returns the replica id of the shard's leader as this host's
// replica knows it; ok is false when it knows none or runs no replica.
func (h *Host) Leader(shardID uint64) (replicaID uint64, ok bool) {
	if h.life.acquire() != nil {
		return 0, false
	}
	defer h.life.release()
	id, _, valid, err := h.nh.GetLeaderID(shardID)
	if err != nil || !valid {
		return 0, false
	}
	return id, true
}

// AppliedIndex returns the index this host's replica of a shard has
// applied, or ok=false if it runs none.
func (h *Host) AppliedIndex(shardID uint64) (index uint64, ok bool) {
	if h.life.acquire() != nil {
		return 0, false
	}
	defer h.life.release()
	if !h.replicas.has(shardID) {
		return 0, false
	}
	index, err := h.db.AppliedIndex(shardID)
	return index, err == nil
}

// Voting reports whether this host's replica of a shard is a voting
// member, as the replica itself knows; ok is false if it runs none.
func (h *Host) Voting(shardID uint64) (voting, ok bool) {
	if h.life.acquire() != nil {
		return false, false
	}
	defer h.life.release()
	for _, si := range h.nh.GetNodeHostInfo(dragonboat.NodeHostInfoOption{SkipLogInfo: true}).ShardInfoList {
		if si.ShardID == shardID && !si.Pending {
			return !si.IsNonVoting, true
		}
	}
	return false, false
}

// Health is what this host's replica of a shard knows of its state.
type Health struct {
	// AppliedIndex is the index the replica has applied.
	AppliedIndex uint64
	// Checksum is the running checksum of its state at AppliedIndex.
	Checksum []byte
	// VerifiedIndex is the last index at which its checksum matched the
	// leader's, and DivergedIndex the first at which it did not (or 0).
	VerifiedIndex, DivergedIndex uint64
}

// Health reports this host's replica of a shard; ok is false if it runs
// none.
func (h *Host) Health(shardID uint64) (Health, bool) {
	if h.life.acquire() != nil {
		return Health{}, false
	}
	defer h.life.release()
	return h.replicas.health(shardID)
}

// LogRange returns the first and last index of the Raft log this host's
// replica of a shard still holds; entries before first were compacted
// behind a snapshot.
func (h *Host) LogRange(shardID uint64) (first, last uint64, err error) {
	if err := h.life.acquire(); err != nil {
		return 0, 0, err
	}
	defer h.life.release()
	lr, err := h.nh.GetLogReader(shardID)
	if err != nil {
		return 0, 0, raftError(context.Background(), shardID, err)
	}
	first, last = lr.GetRange()
	return first, last, nil
}
