package host

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lni/dragonboat/v4"
	"github.com/lni/dragonboat/v4/config"
	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/raftlog"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
)

// LogDBShards is the number of pebble shards of each host's Raft log.
const LogDBShards = 4

// Host is one running Synod host. Its methods are safe for concurrent use.
type Host struct {
	cfg   Config
	nh    *dragonboat.NodeHost
	db    *store.DB
	rt    *wasm.Runtime
	marks marks

	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	// life guards the resources against Close: calls hold it for reading.
	life   sync.RWMutex
	closed bool

	// removed is set once the catalogue says this host was removed from
	// the cluster: it then runs no user replicas.
	removed atomic.Bool

	mu            sync.Mutex
	running       map[uint64]meta.Shard // user shards with a replica started here
	lastTransfers map[uint64]time.Time  // when the reconciler last moved a shard's leadership
	steady        map[uint64]steadyMark // shards found in line with the catalogue
	machines      map[uint64]*fsm.StateMachine
	lastVerify    map[uint64]verifyMark
	halted        map[uint64]time.Time // when a shard's replica here last halted
	throttle      *throttle
	divergences   atomic.Uint64
	halts         atomic.Uint64
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
	rt, err := wasm.NewRuntime(ctx, wasm.Config{CacheDir: cfg.CacheDir, Watchdog: cfg.Watchdog})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	h := &Host{
		cfg: cfg, db: db, rt: rt, marks: marks{dir: cfg.DataDir},
		wake:          make(chan struct{}, 1),
		stop:          make(chan struct{}),
		done:          make(chan struct{}),
		running:       make(map[uint64]meta.Shard),
		lastTransfers: make(map[uint64]time.Time),
		steady:        make(map[uint64]steadyMark),
		machines:      make(map[uint64]*fsm.StateMachine),
		lastVerify:    make(map[uint64]verifyMark),
		halted:        make(map[uint64]time.Time),
		throttle:      newThrottle(),
	}
	if err := h.startNodeHost(); err != nil {
		_ = rt.Close(ctx)
		_ = db.Close()
		return nil, err
	}
	go h.reconcileLoop()
	go h.heartbeatLoop()
	return h, nil
}

func (h *Host) startNodeHost() error {
	logdb := config.GetTinyMemLogDBConfig()
	logdb.Shards = LogDBShards
	nh, err := dragonboat.NewNodeHost(config.NodeHostConfig{
		NodeHostDir:    filepath.Join(h.cfg.DataDir, "raft"),
		RTTMillisecond: h.cfg.RTTMillisecond,
		RaftAddress:    h.cfg.RaftAddr,
		Expert:         config.ExpertConfig{LogDB: logdb},
	})
	if err != nil {
		return fmt.Errorf("start raft node host at %s: %w", h.cfg.RaftAddr, err)
	}
	h.nh = nh
	voters := bootstrapVoters(h.cfg.MetaMembers)
	_, voter := voters[h.cfg.ID]
	exec := meta.NewExecutor(h.poke)
	factory := h.machine(exec)
	if err := h.startOnDisk(voters, !voter, factory, h.raftConfig(meta.ShardID, h.cfg.ID)); err != nil {
		nh.Close()
		return fmt.Errorf("start meta replica: %w", err)
	}
	return nil
}

// bootstrapVoters returns the members of the initial cluster that
// bootstrap the meta shard as voters: the 3 (or, with 5 or more, the 5)
// with the lowest ids. The others join it as non-voting members, which the
// meta leader adds (see steerMeta).
func bootstrapVoters(initial map[uint64]string) map[uint64]dragonboat.Target {
	ids := make([]uint64, 0, len(initial))
	for id := range initial {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	voters := make(map[uint64]dragonboat.Target)
	for _, id := range ids[:metaVoters(len(ids))] {
		voters[id] = initial[id]
	}
	return voters
}

// startOnDisk starts a replica: from its own records if it ran here
// before, else by bootstrapping from the initial members or, with join, as
// a new member of a running group. Restarting from the records means a
// host need not remember how a replica first started.
func (h *Host) startOnDisk(members map[uint64]dragonboat.Target, join bool, factory sm.CreateOnDiskStateMachineFunc, cfg config.Config) error {
	// A joined replica starts, every time, as the non-voting member it was
	// added as: dragonboat replays its log (or restores its snapshot)
	// and promotes it if it was promoted. Starting a promoted replica as a
	// voter would make the replay of its own AddNonVoting entry panic.
	cfg.IsNonVoting = join
	if h.nh.HasNodeInfo(cfg.ShardID, cfg.ReplicaID) {
		members, join = nil, false
	}
	if join {
		members = nil
	}
	return h.nh.StartOnDiskReplica(members, join, factory, cfg)
}

func (h *Host) raftConfig(shardID, replicaID uint64) config.Config {
	return config.Config{
		ShardID:            shardID,
		ReplicaID:          replicaID,
		ElectionRTT:        h.cfg.ElectionRTT,
		HeartbeatRTT:       h.cfg.HeartbeatRTT,
		CheckQuorum:        true,
		PreVote:            true,
		SnapshotEntries:    h.cfg.SnapshotEntries,
		CompactionOverhead: h.cfg.CompactionOverhead,
	}
}

// ID returns the host's id.
func (h *Host) ID() uint64 { return h.cfg.ID }

// Name returns the host's name.
func (h *Host) Name() string { return h.cfg.Name }

// Close stops every replica and releases the host's resources.
func (h *Host) Close() error {
	var err error
	h.closeOnce.Do(func() {
		close(h.stop)
		<-h.done
		h.life.Lock()
		defer h.life.Unlock()
		h.closed = true
		h.nh.Close()
		err = h.rt.Close(context.Background())
		if cerr := h.db.Close(); err == nil {
			err = cerr
		}
	})
	return err
}

// acquire read-locks the host's resources for one call; the caller
// releases with h.life.RUnlock.
func (h *Host) acquire() error {
	h.life.RLock()
	if h.closed {
		h.life.RUnlock()
		return ErrClosed
	}
	return nil
}

// Result is the outcome of a successful Propose or Query.
type Result struct {
	// Index is the log index the command committed at, or the applied index
	// the query read at.
	Index uint64
	// Fuel is the fuel the call used.
	Fuel uint64
	// Output is what the module returned.
	Output []byte
}

// Consistency is the consistency level of a query.
type Consistency int

const (
	// Linearizable reads see every command committed before they started.
	Linearizable Consistency = iota
	// Stale reads run on the local replica with no round trip.
	Stale
)

// defaultTimeout bounds a call whose context has no deadline (dragonboat
// needs one).
const defaultTimeout = 10 * time.Second

func withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, defaultTimeout)
}

// Propose commits a command to a shard through this host's replica and
// returns the module's result. A module failure is returned as an
// [*AppError] or a [*Trap]. [ErrNotReplica] and [ErrNotApplied] mean the
// command was certainly not applied; [ErrUnavailable] alone leaves it open.
func (h *Host) Propose(ctx context.Context, shardID uint64, payload []byte) (Result, error) {
	if len(payload) > MaxPayloadBytes {
		return Result{}, fmt.Errorf("command of %d bytes: %w (limit %d)", len(payload), ErrTooLarge, MaxPayloadBytes)
	}
	return h.propose(ctx, shardID, payload)
}

// propose is Propose without the payload limit, which catalogue commands
// (carrying whole modules) are not subject to.
func (h *Host) propose(ctx context.Context, shardID uint64, payload []byte) (res Result, err error) {
	if err := h.acquire(); err != nil {
		return Result{}, err
	}
	defer h.life.RUnlock()
	if err := h.checkLeader(shardID); err != nil {
		return Result{}, err
	}
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	settle, err := h.admit(ctx, shardID)
	if err != nil {
		return Result{}, err
	}
	defer func() { settle(res.Fuel) }()
	deadline, _ := ctx.Deadline()
	cmd := fsm.EncodeCommand(time.Now().UnixNano(), h.fuelBudget(shardID), payload)
	rs, err := h.nh.Propose(h.nh.GetNoOPSession(shardID), cmd, time.Until(deadline))
	if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrNotApplied, raftError(ctx, shardID, err))
	}
	select {
	case r := <-rs.ResultC():
		// Released only once dragonboat has delivered the result: it may
		// still write to a request it has not finished with.
		rs.Release()
		switch {
		case r.Dropped():
			// Raft dropped the proposal before it entered the log (no
			// leader, or leadership moving): it was not applied.
			return Result{}, fmt.Errorf("shard %d: %w: %w: proposal %s", shardID, ErrNotApplied, ErrUnavailable, outcomeName(r))
		case !r.Completed():
			return Result{}, fmt.Errorf("shard %d: %w: proposal %s", shardID, ErrUnavailable, outcomeName(r))
		}
		out, err := fsm.DecodeResult(r.GetResult())
		if errors.Is(err, fsm.ErrHalted) {
			return Result{}, fmt.Errorf("shard %d: %w: %w", shardID, ErrUnavailable, err)
		}
		return Result(out), err
	case <-ctx.Done():
		return Result{}, fmt.Errorf("shard %d: %w", shardID, ctx.Err())
	}
}

// proposeForwarded proposes a meta command through this host's meta
// replica whether or not it leads, letting dragonboat forward the proposal,
// with a short deadline: for the few commands a host makes on its own
// behalf or for a host that is joining, which know no leader's API.
func (h *Host) proposeForwarded(ctx context.Context, req meta.Request) ([]byte, error) {
	if err := h.acquire(); err != nil {
		return nil, err
	}
	defer h.life.RUnlock()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cmd := fsm.EncodeCommand(time.Now().UnixNano(), 0, req.Encode())
	res, err := h.nh.SyncPropose(ctx, h.nh.GetNoOPSession(meta.ShardID), cmd)
	if err != nil {
		return nil, raftError(ctx, meta.ShardID, err)
	}
	out, err := fsm.DecodeResult(res)
	return out.Output, meta.FromResult(err)
}

func outcomeName(r dragonboat.RequestResult) string {
	switch {
	case r.Timeout():
		return "timed out"
	case r.Dropped():
		return "dropped (no leader)"
	case r.Terminated():
		return "terminated (shard stopping)"
	case r.Rejected():
		return "rejected"
	case r.Aborted():
		return "aborted"
	}
	return "failed"
}

// Query runs a read-only query on a shard through this host's replica.
func (h *Host) Query(ctx context.Context, shardID uint64, payload []byte, c Consistency) (res Result, err error) {
	if len(payload) > MaxPayloadBytes {
		return Result{}, fmt.Errorf("query of %d bytes: %w (limit %d)", len(payload), ErrTooLarge, MaxPayloadBytes)
	}
	if err := h.acquire(); err != nil {
		return Result{}, err
	}
	defer h.life.RUnlock()
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	settle, err := h.admit(ctx, shardID)
	if err != nil {
		return Result{}, err
	}
	defer func() { settle(res.Fuel) }()
	req := &fsm.QueryRequest{Payload: payload, Fuel: h.fuelBudget(shardID)}
	var v any
	if c == Stale {
		v, err = h.nh.StaleRead(shardID, req)
	} else {
		if err := h.checkLeader(shardID); err != nil {
			return Result{}, err
		}
		v, err = h.nh.SyncRead(ctx, shardID, req)
	}
	if err != nil {
		return Result{}, raftError(ctx, shardID, err)
	}
	qr, ok := v.(*fsm.QueryResult)
	if !ok {
		return Result{}, fmt.Errorf("shard %d: unexpected query result %T", shardID, v)
	}
	return Result{Output: qr.Output, Index: qr.Index, Fuel: qr.Fuel}, qr.Err
}

// fuelBudget returns the fuel budget of a call to a shard: the shard's
// setting as this host last saw it, or 0 for the default.
func (h *Host) fuelBudget(shardID uint64) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.running[shardID].Fuel
}

// checkLeader returns nil if this host's replica leads the shard, and else
// an error saying who does, if known. Proposals and linearizable reads are
// only made on the leader: one made on a follower would be forwarded, and
// would hang until its deadline if the leader it knows is gone.
func (h *Host) checkLeader(shardID uint64) error {
	self, ok := h.replicaID(shardID)
	if !ok {
		return fmt.Errorf("shard %d: %w", shardID, ErrNotReplica)
	}
	leader, _, valid, err := h.nh.GetLeaderID(shardID)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", ErrNotApplied, raftError(context.Background(), shardID, err))
	case !valid:
		return fmt.Errorf("shard %d: %w: %w: no leader elected yet", shardID, ErrNotApplied, ErrUnavailable)
	case leader != self:
		return fmt.Errorf("shard %d: %w: %w: replica %d leads, not this host's %d", shardID, ErrNotApplied, ErrNotLeader, leader, self)
	}
	return nil
}

// replicaID returns the id of this host's replica of a shard.
func (h *Host) replicaID(shardID uint64) (uint64, bool) {
	if shardID == meta.ShardID {
		return h.cfg.ID, true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.running[shardID]
	return s.ReplicaOn(h.cfg.ID), ok
}

// LogRange returns the first and last index of the Raft log this host's
// replica of a shard still holds; entries before first were compacted
// behind a snapshot.
func (h *Host) LogRange(shardID uint64) (first, last uint64, err error) {
	if err := h.acquire(); err != nil {
		return 0, 0, err
	}
	defer h.life.RUnlock()
	lr, err := h.nh.GetLogReader(shardID)
	if err != nil {
		return 0, 0, raftError(context.Background(), shardID, err)
	}
	first, last = lr.GetRange()
	return first, last, nil
}

func (h *Host) hasReplica(shardID uint64) bool {
	_, ok := h.replicaID(shardID)
	return ok
}
