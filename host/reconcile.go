package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/meta"
)

// reconcileInterval is how often a host re-reads the catalogue even when
// nothing poked it.
const reconcileInterval = time.Second

// stopContext returns a context that ends when the host stops.
func (h *Host) stopContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-h.stop:
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx, cancel
}

// poke asks the reconciler to run soon. It never blocks.
func (h *Host) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *Host) reconcileLoop() {
	defer close(h.done)
	ctx, cancel := h.stopContext()
	defer cancel()
	tick := time.NewTicker(reconcileInterval)
	defer tick.Stop()
	for {
		if err := h.reconcile(ctx); err != nil && ctx.Err() == nil {
			h.cfg.Logger.Debug("reconcile", "host", h.cfg.Name, "err", err)
		}
		select {
		case <-h.stop:
			return
		case <-h.wake:
		case <-tick.C:
		}
	}
}

// reconcile brings this host in line with the catalogue, as read from its
// own meta replica: it starts the replicas placed here and stops those no
// longer placed here, reports joined replicas that have caught up, and,
// for each shard whose replica here leads, changes the shard's membership
// and leadership towards what the catalogue says.
func (h *Host) reconcile(ctx context.Context) error {
	var shards []meta.Shard
	var hosts []meta.Host
	for _, read := range []struct {
		op  meta.Op
		out any
	}{{meta.OpListShards, &shards}, {meta.OpListHosts, &hosts}} {
		b, err := h.LocalCatalogue(ctx, meta.Request{Op: read.op})
		if err != nil {
			return err
		}
		if err := meta.Decode(b, read.out); err != nil {
			return err
		}
	}
	byID := make(map[uint64]meta.Host, len(hosts))
	for _, hi := range hosts {
		byID[hi.ID] = hi
	}
	listed := make(map[uint64]meta.Shard, len(shards))
	var errs []error
	for _, s := range shards {
		listed[s.ID] = s
		if err := h.reconcileShard(ctx, s, byID); err != nil {
			errs = append(errs, fmt.Errorf("shard %s: %w", s.Name, err))
		}
	}
	for _, s := range h.runningShards() {
		if now, ok := listed[s.ID]; ok && now.Keeps(h.cfg.ID, s.ReplicaOn(h.cfg.ID)) {
			continue
		}
		if h.leads(s.ID) {
			continue // it hands leadership over first (see steer)
		}
		if err := h.removeReplica(s.ID, s.ReplicaOn(h.cfg.ID)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := h.removeStale(listed); err != nil {
		errs = append(errs, err)
	}
	if h.leads(meta.ShardID) {
		if err := h.verifyNow(ctx, meta.ShardID); err != nil {
			errs = append(errs, fmt.Errorf("verify meta shard: %w", err))
		}
	}
	if err := h.steerMeta(ctx, byID); err != nil {
		errs = append(errs, fmt.Errorf("meta shard: %w", err))
	}
	return errors.Join(errs...)
}

// reconcileShard starts this host's replica of s if the catalogue places
// one here, reports it once it has caught up, and steers s if it leads.
func (h *Host) reconcileShard(ctx context.Context, s meta.Shard, hosts map[uint64]meta.Host) error {
	rid := s.ReplicaOn(h.cfg.ID)
	running, ok := h.runningReplica(s.ID)
	switch {
	case rid != 0 && !ok && h.haltedRecently(s.ID):
		return nil
	case rid != 0 && !ok && !h.removed.Load():
		if err := h.startReplica(ctx, s, hosts); err != nil {
			return err
		}
		running = rid
	case rid != 0 && ok && running != rid:
		// Moved away and back (which the catalogue allows only once the
		// old replica has left the group): the old one makes way.
		return h.removeReplica(s.ID, running)
	}
	if running == 0 {
		return nil
	}
	if r, _ := s.Replica(running); r.Learning && r.HostID == h.cfg.ID {
		if err := h.reportCaughtUp(ctx, s, running); err != nil {
			return err
		}
	}
	if !h.leads(s.ID) {
		return nil
	}
	if err := h.verifyNow(ctx, s.ID); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	// A shard found in line with its catalogue entry is checked again
	// only when the entry changes or steadyRecheck passes, so that idle
	// shards cost no membership reads.
	record := fmt.Sprint(s)
	h.mu.Lock()
	st, ok := h.steady[s.ID]
	h.mu.Unlock()
	if ok && st.record == record && time.Now().Before(st.until) {
		return nil
	}
	acted, err := h.steer(ctx, s, running, hosts)
	if err == nil && !acted {
		h.mu.Lock()
		h.steady[s.ID] = steadyMark{record: record, until: time.Now().Add(steadyRecheck)}
		h.mu.Unlock()
	}
	return err
}

// steadyRecheck is how long a shard found in line with the catalogue goes
// without its membership being read again, unless its entry changes.
const steadyRecheck = 10 * time.Second

// steadyMark records that a shard was found in line with a catalogue entry.
type steadyMark struct {
	record string
	until  time.Time
}

// runningReplica returns the id of this host's running replica of a shard.
func (h *Host) runningReplica(shardID uint64) (uint64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.running[shardID]
	return s.ReplicaOn(h.cfg.ID), ok
}

// runningShards returns the entries of every running replica.
func (h *Host) runningShards() []meta.Shard {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]meta.Shard, 0, len(h.running))
	for _, s := range h.running {
		out = append(out, s)
	}
	return out
}

// leads reports whether this host's replica of a shard is its leader.
func (h *Host) leads(shardID uint64) bool {
	return h.checkLeader(shardID) == nil
}

func (h *Host) startReplica(ctx context.Context, s meta.Shard, hosts map[uint64]meta.Host) error {
	mod, err := h.loadModule(ctx, s.Module)
	if err != nil {
		return err
	}
	r, _ := s.Replica(s.ReplicaOn(h.cfg.ID))
	var members map[uint64]dragonboat.Target
	if !r.Joined {
		members = make(map[uint64]dragonboat.Target)
		for _, m := range s.InitialMembers() {
			members[m.ReplicaID] = hosts[m.HostID].RaftAddr
		}
	}
	exec := fsm.NewWasmExecutor(mod)
	factory := h.machine(exec)
	if err := h.marks.set(s.ID, r.ReplicaID); err != nil {
		return err
	}
	err = h.startOnDisk(members, r.Joined, factory, h.raftConfig(s.ID, r.ReplicaID))
	if err != nil && !errors.Is(err, dragonboat.ErrShardAlreadyExist) {
		return err
	}
	h.mu.Lock()
	h.running[s.ID] = s
	h.mu.Unlock()
	h.cfg.Logger.Info("started replica", "host", h.cfg.Name, "shard", s.Name, "id", s.ID, "replica", r.ReplicaID)
	return nil
}

// removeReplica stops a replica and deletes its data.
func (h *Host) removeReplica(shardID, replicaID uint64) error {
	if err := h.nh.StopShard(shardID); err != nil && !errors.Is(err, dragonboat.ErrShardNotFound) {
		return err
	}
	if err := h.nh.RemoveData(shardID, replicaID); err != nil {
		return err
	}
	if err := h.db.DeleteShard(shardID); err != nil {
		return err
	}
	if err := h.marks.clear(shardID, replicaID); err != nil {
		return err
	}
	h.mu.Lock()
	delete(h.running, shardID)
	delete(h.machines, shardID)
	delete(h.lastVerify, shardID)
	delete(h.steady, shardID)
	h.mu.Unlock()
	h.throttle.forget(shardID)
	h.cfg.Logger.Info("removed replica", "host", h.cfg.Name, "shard", shardID, "replica", replicaID)
	return nil
}

// removeStale deletes the data of replicas this host ran before it
// restarted whose shard was deleted, or which left their group, meanwhile.
// The local catalogue can be trusted for this: it had applied the shard's
// creation before the replica first started, and it only moves forward.
func (h *Host) removeStale(listed map[uint64]meta.Shard) error {
	marked, err := h.marks.list()
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range marked {
		shardID, replicaID := m[0], m[1]
		if _, running := h.runningReplica(shardID); running {
			continue
		}
		if s, ok := listed[shardID]; ok && s.Keeps(h.cfg.ID, replicaID) {
			continue
		}
		if err := h.removeReplica(shardID, replicaID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
