package host

import (
	"context"
	"fmt"
	"time"

	"github.com/lni/dragonboat/v4"
	"github.com/synodhq/synod/host/meta"
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
	// Hibernating reports whether the replica hibernates: stopped while
	// idle, until the next call or Raft message for the shard.
	Hibernating bool
	// Health is the replica's applied index, checksum and verification.
	Health
	// Halted describes the replica when it is stopped after a guest call
	// ran past the watchdog (HasReplica is then false), or is nil.
	Halted *Halt
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
	// Covered is set once a verify entry has asked every replica about
	// the state as it stands: no entry changed it after the index the
	// last one asked about (see verifyDue).
	Covered bool
	// StoredBytes is the size of its keys and values at AppliedIndex.
	StoredBytes uint64
}

// Status reports what this host knows of a shard. A host that runs no
// replica of it answers with HasReplica unset: that is data, not an error.
// The error is [ErrClosed] once the host is closed. The answer is local
// and never waits, so ctx is unused; it is there for hosts reached over a
// network. With wakeQuiesced, for a caller looking for the leader, it
// wakes this host's replica if it had quiesced (see raftConfig): the
// leader it names may be gone, and only an awake replica finds out.
// Others must not wake it, or a shard that is only looked at would never
// rest. A hibernating replica (see hibernate.go) is never woken: it names
// no leader, and the next call wakes it.
func (h *Host) Status(_ context.Context, shardID uint64, wakeQuiesced bool) (ReplicaStatus, error) {
	if err := h.life.acquire(); err != nil {
		return ReplicaStatus{}, fmt.Errorf("status of shard %d on host %d: %w", shardID, h.cfg.ID, err)
	}
	defer h.life.release()
	var st ReplicaStatus
	st.Health, st.HasReplica = h.replicas.health(shardID)
	if id, _, valid, err := h.nh.GetLeaderID(shardID); err == nil && valid {
		st.HasLeader, st.LeaderReplicaID = true, id
	}
	switch {
	case st.HasReplica && h.replicas.hibernating(shardID):
		// Asleep, it believes in no leader, and a call wakes it. It
		// votes: a replica hibernates only once none of its shard's is
		// still catching up, as a non-voting member.
		st.Voting, st.Hibernating = true, true
	case st.HasReplica:
		st.Voting = h.voting(shardID)
		if wakeQuiesced {
			unquiesce(h.nh, shardID)
		}
	}
	if halt, ok := h.replicas.haltOf(shardID); ok {
		st.Halted = &halt
	}
	return st, nil
}

// voting reports whether this host's replica of a shard is a voting
// member; false while it starts. The caller holds the host's lifetime.
func (h *Host) voting(shardID uint64) bool {
	si, ok := h.nh.GetLocalShardInfo(shardID)
	return ok && !si.Pending && !si.IsNonVoting
}

// LogRange returns the first and last index of the Raft log this host's
// replica of a shard still holds; entries before first were compacted
// behind a snapshot. It wakes a hibernating replica.
func (h *Host) LogRange(shardID uint64) (first, last uint64, err error) {
	if err := h.life.acquire(); err != nil {
		return 0, 0, err
	}
	defer h.life.release()
	ctx, cancel := context.WithTimeout(context.Background(), wakeWait)
	defer cancel()
	done, _, err := h.replicas.use(ctx, shardID, false)
	if err != nil {
		return 0, 0, err
	}
	defer done()
	lr, err := h.nh.GetLogReader(shardID)
	if err != nil {
		return 0, 0, raftError(context.Background(), shardID, err)
	}
	first, last = lr.GetRange()
	return first, last, nil
}

// StateDigest returns the applied index of this host's replica of a shard
// and the digest of its user keys and values there ([store.View.StateDigest]):
// equal for any two shards that hold the same entries, whatever modules and
// histories got them there. It reads the whole shard.
func (h *Host) StateDigest(shardID uint64) (index uint64, digest []byte, err error) {
	if err := h.life.acquire(); err != nil {
		return 0, nil, fmt.Errorf("state digest of shard %d on host %d: %w", shardID, h.cfg.ID, err)
	}
	defer h.life.release()
	v := h.db.View(shardID)
	defer v.Close()
	if index, err = v.AppliedIndex(); err == nil {
		digest, err = v.StateDigest()
	}
	if err != nil {
		return 0, nil, fmt.Errorf("state digest of shard %d on host %d: %w", shardID, h.cfg.ID, err)
	}
	return index, digest, nil
}

// unquiesceTimeout bounds the read that wakes a quiesced replica.
const unquiesceTimeout = 2 * time.Second

// unquiesce brings this host's replica of a data shard out of quiesce (see
// raftConfig), so that it ticks again and, if its leader is gone, elects
// another: someone is looking for the shard's leader, or the leader's
// host is down. It starts a read and does not wait for it.
func unquiesce(nh *dragonboat.NodeHost, shardID uint64) {
	if shardID == meta.ShardID {
		return // it never quiesces
	}
	rs, err := nh.ReadIndex(shardID, unquiesceTimeout)
	if err != nil {
		return
	}
	go func() {
		<-rs.ResultC()
		rs.Release()
	}()
}
