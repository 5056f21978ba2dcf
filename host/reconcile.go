package host

import (
	"context"
	"errors"
	"time"

	"github.com/lni/dragonboat/v4"
	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/meta"
)

// reconcileInterval is how often a host re-reads the catalogue even when
// nothing poked it.
const reconcileInterval = time.Second

// poke asks the reconciler to run soon. It never blocks.
func (h *Host) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *Host) reconcileLoop() {
	defer close(h.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-h.stop
		cancel()
	}()
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

// reconcile starts the replicas the catalogue places on this host and stops
// those it no longer does, as read from the local meta replica.
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
	addrs := make(map[uint64]string, len(hosts))
	for _, hi := range hosts {
		addrs[hi.ID] = hi.RaftAddr
	}
	want := make(map[uint64]meta.Shard)
	var errs []error
	for _, s := range shards {
		if s.ReplicaOn(h.cfg.ID) == 0 {
			continue
		}
		want[s.ID] = s
		if h.hasReplica(s.ID) {
			continue
		}
		if err := h.startReplica(ctx, s, addrs); err != nil {
			errs = append(errs, err)
		}
	}
	h.mu.Lock()
	var gone []meta.Shard
	for id, s := range h.running {
		if _, ok := want[id]; !ok {
			gone = append(gone, s)
		}
	}
	h.mu.Unlock()
	for _, s := range gone {
		if err := h.removeReplica(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (h *Host) startReplica(ctx context.Context, s meta.Shard, addrs map[uint64]string) error {
	mod, err := h.loadModule(ctx, s.Module)
	if err != nil {
		return err
	}
	members := make(map[uint64]dragonboat.Target, len(s.Replicas))
	for _, r := range s.Replicas {
		members[r.ReplicaID] = addrs[r.HostID]
	}
	exec := fsm.NewWasmExecutor(mod)
	factory := func(shardID, _ uint64) sm.IOnDiskStateMachine { return fsm.New(shardID, h.db, exec) }
	err = h.nh.StartOnDiskReplica(members, false, factory, h.raftConfig(s.ID, s.ReplicaOn(h.cfg.ID)))
	if err != nil && !errors.Is(err, dragonboat.ErrShardAlreadyExist) {
		return err
	}
	h.mu.Lock()
	h.running[s.ID] = s
	h.mu.Unlock()
	h.cfg.Logger.Info("started replica", "host", h.cfg.Name, "shard", s.Name, "id", s.ID)
	return nil
}

func (h *Host) removeReplica(s meta.Shard) error {
	replicaID := s.ReplicaOn(h.cfg.ID)
	if err := h.nh.StopShard(s.ID); err != nil && !errors.Is(err, dragonboat.ErrShardNotFound) {
		return err
	}
	if err := h.nh.RemoveData(s.ID, replicaID); err != nil {
		return err
	}
	if err := h.db.DeleteShard(s.ID); err != nil {
		return err
	}
	h.mu.Lock()
	delete(h.running, s.ID)
	h.mu.Unlock()
	h.cfg.Logger.Info("removed replica", "host", h.cfg.Name, "shard", s.Name, "id", s.ID)
	return nil
}
