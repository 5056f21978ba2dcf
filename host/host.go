package host

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/lni/dragonboat/v4"
	"github.com/lni/dragonboat/v4/config"

	"github.com/synodhq/synod/host/internal/raftlog"
	"github.com/synodhq/synod/host/internal/steer"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/raftnet"
)

// LogDBShards is the number of pebble shards of each host's Raft log.
const LogDBShards = 4

// Host is one running Synod host. Its methods are safe for concurrent use.
//
// A host is three parts, each with its own state and lock: the data plane
// ([dataPlane]: proposals, queries, admission), the replica set
// ([replicaSet]: the replicas running here and their state machines) and
// the controller ([controller]: reconciling with the catalogue, steering
// memberships, heartbeats, verification). Host wires them together and
// owns what they share: the NodeHost, the state DB, the wasm runtime and
// their lifetime.
type Host struct {
	cfg  Config
	nh   *dragonboat.NodeHost
	db   *store.DB
	rt   *wasm.Runtime
	life lifetime

	data     *dataPlane
	replicas *replicaSet
	ctl      *controller

	closeOnce sync.Once
}

// New starts a host: it opens the state DB and the Raft NodeHost, starts
// its meta replica, and starts heartbeating and reconciling.
func New(ctx context.Context, cfg Config) (*Host, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	raftlog.Use(cfg.Logger)
	db, err := store.Open(filepath.Join(cfg.DataDir, "state"), store.Options{})
	if err != nil {
		return nil, err
	}
	rt, err := wasm.NewRuntime(ctx, wasm.Config{
		CacheDir: cfg.CacheDir, Watchdog: cfg.Watchdog,
		MemoryBudget: cfg.GuestMemory, MaxInstances: cfg.MaxInstances,
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	h := &Host{cfg: cfg, db: db, rt: rt}
	if err := h.startNodeHost(); err != nil {
		_ = rt.Close(ctx)
		_ = db.Close()
		return nil, err
	}
	h.ctl.start()
	return h, nil
}

// startNodeHost starts the NodeHost, builds the host's parts around it
// and starts the meta replica.
func (h *Host) startNodeHost() error {
	logdb := config.GetTinyMemLogDBConfig()
	logdb.Shards = LogDBShards
	// Messages may arrive before the replica set exists; they concern
	// no hibernating replica then.
	var replicas atomic.Pointer[replicaSet]
	transport, err := raftnet.NewFactory(raftnet.Config{Logger: h.cfg.Logger, Arriving: func(shardID uint64) {
		if rs := replicas.Load(); rs != nil {
			rs.arrive(shardID)
		}
	}})
	if err != nil {
		return fmt.Errorf("raft transport: %w", err)
	}
	nh, err := dragonboat.NewNodeHost(config.NodeHostConfig{
		NodeHostDir:    filepath.Join(h.cfg.DataDir, "raft"),
		RTTMillisecond: h.cfg.RTTMillisecond,
		RaftAddress:    h.cfg.RaftAddr,
		MutualTLS:      h.cfg.RaftTLS.enabled(),
		CAFile:         h.cfg.RaftTLS.CAFile,
		CertFile:       h.cfg.RaftTLS.CertFile,
		KeyFile:        h.cfg.RaftTLS.KeyFile,
		Expert:         config.ExpertConfig{LogDB: logdb, TransportFactory: transport},
	})
	if err != nil {
		return fmt.Errorf("start raft node host at %s: %w", h.cfg.RaftAddr, err)
	}
	h.nh = nh
	h.replicas = newReplicaSet(h.cfg, nh, h.db, &h.life, transport)
	replicas.Store(h.replicas)
	h.data = newDataPlane(h.cfg, nh, h.replicas, &h.life)
	h.ctl = newController(h.cfg, nh, h.rt, h.data, h.replicas, &h.life)
	h.replicas.onStop = func(shardID uint64) {
		h.data.forget(shardID)
		h.ctl.forget(shardID)
		h.ctl.poke()
	}
	voters := bootstrapVoters(h.cfg.MetaMembers)
	_, voter := voters[h.cfg.ID]
	h.ctl.catalogue = meta.NewExecutor(h.ctl.poke)
	if err := h.replicas.startMeta(voters, !voter, h.ctl.catalogue); err != nil {
		nh.Close()
		return fmt.Errorf("start meta replica: %w", err)
	}
	return nil
}

// bootstrapVoters returns the members of the initial cluster that
// bootstrap the meta shard as voters: the 3 (or, with 5 or more, the 5)
// with the lowest ids. The others join it as non-voting members, which the
// meta leader adds (see package steer).
func bootstrapVoters(initial map[uint64]string) map[uint64]dragonboat.Target {
	ids := make([]uint64, 0, len(initial))
	for id := range initial {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	voters := make(map[uint64]dragonboat.Target)
	for _, id := range ids[:steer.MetaVoters(len(ids))] {
		voters[id] = initial[id]
	}
	return voters
}

// ID returns the host's id.
func (h *Host) ID() uint64 { return h.cfg.ID }

// Name returns the host's name.
func (h *Host) Name() string { return h.cfg.Name }

// Close stops every replica and releases the host's resources.
func (h *Host) Close() error {
	var err error
	h.closeOnce.Do(func() {
		h.ctl.stop()
		h.life.end(func() {
			h.nh.Close()
			err = h.rt.Close(context.Background())
			if cerr := h.db.Close(); err == nil {
				err = cerr
			}
		})
	})
	return err
}

// Removed returns a channel closed once this host learns that it was
// removed from the cluster (see ClusterService.RemoveHost): it has then
// stopped its user replicas, and its process should end.
func (h *Host) Removed() <-chan struct{} { return h.ctl.gone }

// Halts counts the times this host's replicas halted.
func (h *Host) Halts() uint64 { return h.replicas.halts.Load() }

// Divergences counts the divergences this host's replicas have found.
func (h *Host) Divergences() uint64 { return h.replicas.divergences.Load() }
