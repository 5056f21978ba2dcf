package host

import (
	"context"
	"fmt"
	"time"

	"github.com/synodhq/synod/host/internal/fsm"
)

// verifyInterval is how often the leader of a shard that has applied
// entries no verify entry covers proposes one (see fsm's checksum), so
// that every replica compares its state with the leader's.
const verifyInterval = 10 * time.Second

// Verify proposes a verify entry for a shard this host leads, carrying its
// checksum at the index it has applied, and returns that index: every
// replica that applies the entry compares its own checksum at that index.
func (h *Host) Verify(ctx context.Context, shardID uint64) (uint64, error) {
	return h.data.verify(ctx, shardID)
}

// verify is [Host.Verify].
func (d *dataPlane) verify(ctx context.Context, shardID uint64) (uint64, error) {
	if err := d.life.acquire(); err != nil {
		return 0, err
	}
	defer d.life.release()
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	done, err := d.awaken(ctx, shardID, true)
	if err != nil {
		return 0, err
	}
	defer done()
	health, ok := d.replicas.health(shardID)
	if !ok {
		return 0, fmt.Errorf("shard %d: %w", shardID, ErrNotReplica)
	}
	if health.Checksum == nil {
		return 0, nil // nothing applied yet: nothing to compare
	}
	if err := d.checkLeader(shardID); err != nil {
		return 0, err
	}
	if _, err := d.nh.SyncPropose(ctx, d.nh.GetNoOPSession(shardID), fsm.EncodeVerify(health.AppliedIndex, health.Checksum)); err != nil {
		return 0, raftError(ctx, shardID, err)
	}
	return health.AppliedIndex, nil
}

// verifyNow has a led shard verified if it applied entries that no verify
// entry covers and verifyInterval has passed since this host last had it
// verified.
func (c *controller) verifyNow(ctx context.Context, shardID uint64) error {
	if !c.verifyDue(shardID) {
		return nil
	}
	// Short: the reconciler waits for it, and a shard without a quorum
	// must not hold up the others.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := c.data.verify(ctx, shardID)
	return err
}

// verifyDue reports whether a shard is due for verification, and if so
// records that it is being verified now. A shard whose state a verify
// entry has covered (see Health.Covered, recorded in the store as the
// entries are applied) is not verified again until it changes, whichever
// host proposed that entry and however often its replicas stopped or
// restarted since: a shard woken only to be read, or whose leadership
// moved, adds no entry.
func (c *controller) verifyDue(shardID uint64) bool {
	// The interval first: it costs no read of the store.
	c.mu.Lock()
	recent := time.Since(c.lastVerify[shardID]) < verifyInterval
	c.mu.Unlock()
	if recent || c.life.acquire() != nil {
		return false
	}
	health, ok := c.replicas.health(shardID)
	c.life.release()
	if !ok || health.Covered {
		return false
	}
	c.mu.Lock()
	c.lastVerify[shardID] = time.Now()
	c.mu.Unlock()
	return true
}
