package host

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/lni/dragonboat/v4"
	"github.com/lni/dragonboat/v4/config"
	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/sched"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
)

// replicaSet is the set of replicas this host runs: the user shards it has
// started a replica of (with the catalogue entry it started them from),
// their state machines, the replicas that halted, and the marks that
// remember replicas across restarts. It starts and stops replicas; the
// controller decides which.
type replicaSet struct {
	cfg   Config
	nh    *dragonboat.NodeHost
	db    *store.DB
	life  *lifetime
	marks marks
	// heavy runs the guest calls with large budgets (see sched).
	heavy *sched.Pool

	// raft steps this host's replicas when they have just started (see
	// hasten).
	raft stepper
	// handingOff is set once the host hands its leaderships over (see
	// Host.HandOff): hasten then asks no replica to campaign.
	handingOff atomic.Bool

	// onStop is called, without the lock held, whenever a replica stops
	// (removed, or halted for a while), so that the host's other parts
	// forget what they kept about its shard.
	onStop func(shardID uint64)

	mu      sync.Mutex
	running map[uint64]meta.Shard // user shards with a replica started here
	// modules holds the module each replica started here runs, until it
	// stops: a module no replica holds is released (see wasm.Runtime.Load).
	modules  map[uint64]*wasm.Module
	machines map[uint64]*fsm.StateMachine
	halted   map[uint64]Halt // the last halt of a shard's replica here
	// sleepers holds, for each user shard with a replica started here,
	// what lets the replica hibernate (see hibernate.go): shard id to
	// *sleeper. Raft's transport reads it for every message.
	sleepers sync.Map
	// woken holds the user shards whose replica here woke from
	// hibernation since the reconciler last took them (see takeWoken).
	woken map[uint64]struct{}

	divergences atomic.Uint64
	halts       atomic.Uint64
}

// heavyCalls is the pool of the heavy guest calls (those whose fuel
// budget is over the default) of every host in this process: half the
// cores, at least one, which the hosts of one process (synod dev) share,
// as they share the cores. Other calls never wait for a slot.
var heavyCalls = sync.OnceValue(func() *sched.Pool { return sched.New(max(1, runtime.GOMAXPROCS(0)/2)) })

func newReplicaSet(cfg Config, nh *dragonboat.NodeHost, db *store.DB, life *lifetime, raft stepper) *replicaSet {
	return &replicaSet{
		cfg: cfg, nh: nh, db: db, life: life, marks: marks{dir: cfg.DataDir}, heavy: heavyCalls(), raft: raft,
		onStop:   func(uint64) {},
		running:  make(map[uint64]meta.Shard),
		modules:  make(map[uint64]*wasm.Module),
		machines: make(map[uint64]*fsm.StateMachine),
		halted:   make(map[uint64]Halt),
		woken:    make(map[uint64]struct{}),
	}
}

// startMeta starts this host's meta replica: as a voter bootstrapping
// from voters, or, with join, as a non-voting member the meta leader adds.
func (rs *replicaSet) startMeta(voters map[uint64]dragonboat.Target, join bool, exec fsm.Executor) error {
	return rs.startOnDisk(voters, join, rs.factory(exec, fsm.Health{}), rs.raftConfig(meta.ShardID, rs.cfg.ID))
}

// start starts this host's replica of a user shard, running mod: from its
// own records if it ran here before, else from the shard's initial members
// or, for a replica added later, as a member joining the running group.
// The replica holds mod until it stops; start releases it if it starts no
// replica with it.
func (rs *replicaSet) start(s meta.Shard, mod *wasm.Module, hosts map[uint64]meta.Host) error {
	kept := false
	defer func() {
		if !kept {
			mod.Release()
		}
	}()
	r, _ := s.Replica(s.ReplicaOn(rs.cfg.ID))
	var members map[uint64]dragonboat.Target
	if !r.Joined {
		members = make(map[uint64]dragonboat.Target)
		for _, m := range s.InitialMembers() {
			members[m.ReplicaID] = hosts[m.HostID].RaftAddr
		}
	}
	if err := rs.marks.set(s.ID, r.ReplicaID); err != nil {
		return err
	}
	// A replica that ran here before starts asleep (see hibernate.go), as
	// if it had hibernated: a restarted host is ready at once, however
	// many replicas it holds, and the first call or Raft message for a
	// shard starts its replica. One still catching up starts now.
	ranHere := rs.nh.HasNodeInfo(s.ID, r.ReplicaID)
	asleep := rs.cfg.HibernateAfter > 0 && !learning(s) && ranHere
	if asleep {
		rs.trackAsleep(s)
	} else {
		at := clock()
		err := rs.startOnDisk(members, r.Joined, rs.factory(fsm.NewWasmExecutor(mod, rs.heavy), fsm.Health{}), rs.raftConfig(s.ID, r.ReplicaID))
		if err != nil && !errors.Is(err, dragonboat.ErrShardAlreadyExist) {
			return err
		}
		sl := rs.track(s.ID, at)
		if err == nil && !ranHere && !r.Joined {
			// A new shard: its preferred leader campaigns at once,
			// rather than after an election timeout, and the leadership
			// it would then be handed is its own (see steer).
			how := stepOnly
			if r.ReplicaID == s.Leader {
				how = campaignNew
			}
			go rs.hasten(sl, s.ID, r.ReplicaID, how)
		}
	}
	rs.mu.Lock()
	rs.running[s.ID] = s
	if _, ok := rs.modules[s.ID]; !ok {
		rs.modules[s.ID], kept = mod, true
	}
	rs.mu.Unlock()
	rs.cfg.Logger.Info("started replica", "host", rs.cfg.Name, "shard", s.Name, "id", s.ID, "replica", r.ReplicaID, "asleep", asleep)
	return nil
}

// startOnDisk starts a replica: from its own records if it ran here
// before, else by bootstrapping from the initial members or, with join, as
// a new member of a running group. Restarting from the records means a
// host need not remember how a replica first started.
func (rs *replicaSet) startOnDisk(members map[uint64]dragonboat.Target, join bool, factory sm.CreateOnDiskStateMachineFunc, cfg config.Config) error {
	// A joined replica starts, every time, as the non-voting member it was
	// added as: dragonboat replays its log (or restores its snapshot)
	// and promotes it if it was promoted. Starting a promoted replica as a
	// voter would make the replay of its own AddNonVoting entry panic.
	cfg.IsNonVoting = join
	if rs.nh.HasNodeInfo(cfg.ShardID, cfg.ReplicaID) {
		members, join = nil, false
	}
	if join {
		members = nil
	}
	return rs.nh.StartOnDiskReplica(members, join, factory, cfg)
}

// raftConfig is the Raft configuration of a replica. Data shards quiesce:
// after twenty election timeouts without activity (4 s by default), their
// replicas stop exchanging heartbeats and stop counting towards
// elections, so that an idle shard costs its hosts next to nothing; a
// read, or a Raft message (a proposal's replication), wakes them. A
// quiesced follower does not notice that its leader died, so a host wakes
// its replica of a shard when a caller looking for the shard's leader asks
// about it (see [Host.Status]), and when the catalogue sees the leader's
// host dead (see controller.wakeIfLeaderGone). An idle replica later
// hibernates (see hibernate.go). The meta shard, busy with hosts'
// heartbeats, never quiesces, and heartbeats less often (see
// Config.heartbeatRTT).
func (rs *replicaSet) raftConfig(shardID, replicaID uint64) config.Config {
	return config.Config{
		ShardID:            shardID,
		ReplicaID:          replicaID,
		ElectionRTT:        rs.cfg.ElectionRTT,
		HeartbeatRTT:       rs.cfg.heartbeatRTT(shardID),
		CheckQuorum:        true,
		PreVote:            true,
		Quiesce:            shardID != meta.ShardID,
		SnapshotEntries:    rs.cfg.SnapshotEntries,
		CompactionOverhead: rs.cfg.CompactionOverhead,
	}
}

// factory returns a state machine factory for a shard's executor that
// registers the machine in the set, logs a divergence and handles a halt.
// The machine resumes from resume, the health of the replica's machine
// before it (a hibernating replica's), or the zero Health.
func (rs *replicaSet) factory(exec fsm.Executor, resume fsm.Health) sm.CreateOnDiskStateMachineFunc {
	return func(shardID, _ uint64) sm.IOnDiskStateMachine {
		m := fsm.New(shardID, rs.db, exec)
		m.Resume(resume)
		m.OnDivergence = func(index uint64, leader, replica []byte) {
			rs.divergences.Add(1)
			rs.cfg.Logger.Error("replica diverged from the leader: its state is not the leader's",
				"host", rs.cfg.Name, "shard", shardID, "index", index,
				"leader_checksum", hex.EncodeToString(leader), "replica_checksum", hex.EncodeToString(replica))
		}
		m.OnHalt = func(index uint64, err error) { rs.onHalt(shardID, index, err) }
		rs.mu.Lock()
		rs.machines[shardID] = m
		rs.mu.Unlock()
		return m
	}
}

// remove stops a replica and deletes its data.
func (rs *replicaSet) remove(shardID, replicaID uint64) error {
	if sl := rs.sleeperOf(shardID); sl != nil {
		// A hibernating replica must not be woken while its data goes.
		sl.mu.Lock()
		defer sl.mu.Unlock()
		sl.gone = true
		defer func() { sl.gone = rs.sleeperOf(shardID) != sl }()
	}
	if err := rs.nh.StopShard(shardID); err != nil && !errors.Is(err, dragonboat.ErrShardNotFound) {
		return err
	}
	if err := rs.nh.RemoveData(shardID, replicaID); err != nil {
		return err
	}
	if err := rs.db.DeleteShard(shardID); err != nil {
		return err
	}
	if err := rs.marks.clear(shardID, replicaID); err != nil {
		return err
	}
	rs.mu.Lock()
	delete(rs.halted, shardID)
	rs.mu.Unlock()
	rs.stopped(shardID)
	rs.cfg.Logger.Info("removed replica", "host", rs.cfg.Name, "shard", shardID, "replica", replicaID)
	return nil
}

// stopped forgets a replica that was stopped, here and (through onStop)
// in the host's other parts. Every way a replica stops ends here.
func (rs *replicaSet) stopped(shardID uint64) {
	rs.mu.Lock()
	delete(rs.running, shardID)
	delete(rs.machines, shardID)
	mod := rs.modules[shardID]
	delete(rs.modules, shardID)
	rs.mu.Unlock()
	rs.sleepers.Delete(shardID)
	if mod != nil {
		mod.Release()
	}
	rs.onStop(shardID)
}

// replicaOf returns the id of this host's replica of a shard: for the
// meta shard, the host id; for a user shard, the replica it started.
func (rs *replicaSet) replicaOf(shardID uint64) (uint64, bool) {
	if shardID == meta.ShardID {
		return rs.cfg.ID, true
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	s, ok := rs.running[shardID]
	return s.ReplicaOn(rs.cfg.ID), ok
}

// has reports whether this host runs a replica of a shard.
func (rs *replicaSet) has(shardID uint64) bool {
	_, ok := rs.replicaOf(shardID)
	return ok
}

// list returns the catalogue entries of the user shards with a replica
// started here.
func (rs *replicaSet) list() []meta.Shard {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := make([]meta.Shard, 0, len(rs.running))
	for _, s := range rs.running {
		out = append(out, s)
	}
	return out
}

// budget returns what a command to a shard may spend: the shard's
// settings, defaults filled in. The catalogue's commands bound themselves.
func (rs *replicaSet) budget(shardID uint64) fsm.Budget {
	if shardID == meta.ShardID {
		return fsm.Budget{}
	}
	rs.mu.Lock()
	s := rs.running[shardID]
	rs.mu.Unlock()
	return fsm.Budget{Fuel: s.FuelLimit(), Limits: s.Limits(), Idempotency: s.Idempotency()}
}

// appliedIndex returns the index this host's running replica of a shard
// last recorded, from memory; 0 if none runs.
func (rs *replicaSet) appliedIndex(shardID uint64) uint64 {
	rs.mu.Lock()
	m, ok := rs.machines[shardID]
	rs.mu.Unlock()
	if !ok {
		return 0
	}
	return m.Applied()
}

// waitApplied waits until this host's replica of a shard has applied at
// least index, or ctx ends. A replica that has not, and was just woken to
// serve, learns the entries it lacks from a leader, which its sleeping
// peers would elect only after an election timeout: it is asked to
// campaign (see wantLeader), which wakes them. So is one whose machine
// Dragonboat has not opened yet (it reports 0 until then): the campaign
// only wakes its peers sooner than its own election timeout would.
func (rs *replicaSet) waitApplied(ctx context.Context, shardID, index uint64) error {
	rs.mu.Lock()
	m, ok := rs.machines[shardID]
	rs.mu.Unlock()
	if !ok {
		return fmt.Errorf("shard %d: %w", shardID, ErrNotReplica)
	}
	if sl := rs.sleeperOf(shardID); sl != nil && m.Applied() < index {
		rs.wantLeader(sl, shardID)
	}
	return m.WaitApplied(ctx, index)
}

// health reports this host's replica of a shard, hibernating or not; ok
// is false if it runs none. The caller holds the host's lifetime.
func (rs *replicaSet) health(shardID uint64) (Health, bool) {
	rs.mu.Lock()
	m := rs.machines[shardID]
	rs.mu.Unlock()
	if !rs.has(shardID) {
		return Health{}, false
	}
	var fh fsm.Health
	if m == nil {
		asleep, ok := rs.hibernated(shardID)
		if !ok {
			// A wake may have ended since the set was read: it registers
			// the machine before the replica stops being dormant.
			rs.mu.Lock()
			m = rs.machines[shardID]
			rs.mu.Unlock()
		}
		if !ok && m == nil {
			return Health{}, false
		}
		fh = asleep
	}
	if m != nil {
		fh = m.Health()
	}
	view := rs.db.View(shardID)
	defer view.Close()
	applied, err := view.AppliedIndex()
	if err != nil {
		return Health{}, false
	}
	sum, err := view.Checksum()
	if err != nil {
		return Health{}, false
	}
	cov, err := view.Coverage()
	if err != nil {
		return Health{}, false
	}
	stored, err := view.StoredBytes()
	if err != nil {
		return Health{}, false
	}
	return Health{AppliedIndex: applied, Checksum: sum, VerifiedIndex: fh.VerifiedIndex, DivergedIndex: fh.DivergedIndex,
		Covered: fsm.Covered(sum, cov, applied), StoredBytes: stored}, true
}
