package host

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
)

// verifyInterval is how often the leader of a shard that has applied new
// entries proposes a verify entry (see fsm's checksum), so that every
// replica compares its state with the leader's.
const verifyInterval = 10 * time.Second

// machine returns a state machine factory for a shard's executor that
// registers the machine with the host, for its health, logs a divergence
// and handles a halt.
func (h *Host) machine(exec fsm.Executor) sm.CreateOnDiskStateMachineFunc {
	return func(shardID, _ uint64) sm.IOnDiskStateMachine {
		m := fsm.New(shardID, h.db, exec)
		m.OnDivergence = func(index uint64, leader, replica []byte) {
			h.divergences.Add(1)
			h.cfg.Logger.Error("replica diverged from the leader: its state is not the leader's",
				"host", h.cfg.Name, "shard", shardID, "index", index,
				"leader_checksum", hex.EncodeToString(leader), "replica_checksum", hex.EncodeToString(replica))
		}
		m.OnHalt = func(index uint64, err error) { h.onHalt(shardID, index, err) }
		h.mu.Lock()
		h.machines[shardID] = m
		h.mu.Unlock()
		return m
	}
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

// health reports this host's replica of a shard; ok is false if it runs
// none.
func (h *Host) health(shardID uint64) (Health, bool) {
	if h.acquire() != nil {
		return Health{}, false
	}
	defer h.life.RUnlock()
	h.mu.Lock()
	m, ok := h.machines[shardID]
	h.mu.Unlock()
	if !ok || !h.hasReplica(shardID) {
		return Health{}, false
	}
	view := h.db.View(shardID)
	defer view.Close()
	applied, err := view.AppliedIndex()
	if err != nil {
		return Health{}, false
	}
	sum, err := view.Checksum()
	if err != nil {
		return Health{}, false
	}
	fh := m.Health()
	return Health{AppliedIndex: applied, Checksum: sum, VerifiedIndex: fh.VerifiedIndex, DivergedIndex: fh.DivergedIndex}, true
}

// Divergences counts the divergences this host's replicas have found.
func (h *Host) Divergences() uint64 { return h.divergences.Load() }

// Verify proposes a verify entry for a shard this host leads, carrying its
// checksum at the index it has applied, and returns that index: every
// replica that applies the entry compares its own checksum at that index.
func (h *Host) Verify(ctx context.Context, shardID uint64) (uint64, error) {
	health, ok := h.health(shardID)
	if !ok {
		return 0, fmt.Errorf("shard %d: %w", shardID, ErrNotReplica)
	}
	if health.Checksum == nil {
		return 0, nil // nothing applied yet: nothing to compare
	}
	if err := h.acquire(); err != nil {
		return 0, err
	}
	defer h.life.RUnlock()
	if err := h.checkLeader(shardID); err != nil {
		return 0, err
	}
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	if _, err := h.nh.SyncPropose(ctx, h.nh.GetNoOPSession(shardID), fsm.EncodeVerify(health.AppliedIndex, health.Checksum)); err != nil {
		return 0, raftError(ctx, shardID, err)
	}
	return health.AppliedIndex, nil
}

// verifyNow proposes a verify entry for a led shard if it applied entries
// since the last one and verifyInterval has passed.
func (h *Host) verifyNow(ctx context.Context, shardID uint64) error {
	health, ok := h.health(shardID)
	h.mu.Lock()
	last := h.lastVerify[shardID]
	due := ok && health.AppliedIndex > last.index+1 && time.Since(last.at) >= verifyInterval
	if due {
		h.lastVerify[shardID] = verifyMark{index: health.AppliedIndex, at: time.Now()}
	}
	h.mu.Unlock()
	if !due {
		return nil
	}
	// Short: the reconciler waits for it, and a shard without a quorum
	// must not hold up the others.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := h.Verify(ctx, shardID)
	return err
}

// verifyMark is when and at which index a shard was last verified.
type verifyMark struct {
	index uint64
	at    time.Time
}
