package host

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/memreturn"
)

// A replica of a data shard that has served no call and received no Raft
// message for Config.HibernateAfter hibernates: the host stops it, so
// that dragonboat forgets it (no ticks, no queues, no state machine), and
// keeps only its place in the replica set and its module. Quiescence
// comes first (see raftConfig): a quiesced shard exchanges no messages,
// so its replicas hibernate HibernateAfter after it quiesced, each host on
// its own. A replica of a shard that has never applied a command waits
// at most freshHibernateAfter.
//
// The first call for the shard on this host, or the first Raft message
// for it from another host, starts the replica again from its records,
// as a restart would; the message is then handed to the started replica.
// A replica woken by a call that needs the leader stands for election
// at once (see hasten), rather than after an election timeout, with a
// pre-vote that a live leader's followers refuse, and wakes the others
// with its vote requests: the call waits some milliseconds, not some
// hundreds. One woken otherwise than by a Raft message (a call that does
// not need the leader, or the reconciler) does the same on the first
// call that does, or on the first at-least-index read of an index it has
// not applied, if its shard has not elected a leader by then: its peers
// may all be asleep. One woken by a Raft message leaves the
// campaign to the message's sender; if the sender cannot win (its log or
// its term is behind), Raft brings the woken replica's own election near
// (Synod's copy of Dragonboat, change 14). A host also wakes a hibernating
// replica whose catalogue entry changed (a replica added, moved or
// removed), so that its leader acts on it.
//
// A host that restarts starts its replicas asleep, as if they had
// hibernated (see replicaSet.start): it is ready at once, and starts a
// replica when the shard is called on or a message comes for it.
//
// Stopping and starting a replica is what a host restart does to all of
// them: Raft's safety does not depend on it, and the state machine starts
// from the state the last one recorded. Only one machine of a shard
// runs at a time: a start waits until dragonboat has closed the machine
// it stopped.

// defaultHibernateAfter is [Config.HibernateAfter]'s default.
const defaultHibernateAfter = 5 * time.Minute

// sleeper is what this host keeps to let its replica of a data shard
// hibernate.
type sleeper struct {
	// mu is held while the replica stops or starts for hibernation, and
	// while it is removed.
	mu sync.Mutex
	// dormant is set while the replica is stopped to hibernate, and
	// while it is being stopped.
	dormant atomic.Bool
	// inflight counts the calls on the shard under way on this host.
	inflight atomic.Int64
	// active is when the replica last served a call or received a Raft
	// message, heard when it last received a Raft message, woke when it
	// last started (new, or after hibernating), and complained when a
	// message last failed to wake it (see touch).
	active, heard, woke, complained atomic.Int64
	// unasked is the start (see woke) at which the replica was last woken
	// to serve (see wakeCause), until a call asks it to campaign: a call
	// asks only while it is woke.
	unasked atomic.Int64
	// written is set once the replica was seen to have applied a command
	// (see replicaSet.written): its shard's clock never moves back.
	written atomic.Bool

	// health is the health of the machine the replica last stopped to
	// hibernate (nil: none since the host started, the zero Health). It
	// is read without mu (see hibernated), so that a status call never
	// waits for a wake.
	health atomic.Pointer[fsm.Health]

	// Under mu: the catalogue entry the replica hibernated with and the
	// generation of the reconciler's shard list that last held it (see
	// rest), the machine it stopped until that machine has closed (see
	// settle), and whether the replica was removed.
	entry   meta.Shard
	seen    uint64
	stopped *fsm.StateMachine
	gone    bool
}

// epoch is the origin of sleepers' activity times: read from the monotonic
// clock, so that a step of the wall clock neither sends every replica to
// sleep nor keeps them up.
var epoch = time.Now()

// clock returns the time since epoch, as sleepers record times.
func clock() int64 { return int64(time.Since(epoch)) }

// touch records activity now, and returns now.
func (sl *sleeper) touch() int64 {
	now := clock()
	sl.active.Store(now)
	return now
}

// started records that the replica started at a time clock returned as
// the start began: a Raft message that came during the start counts as
// heard since.
func (sl *sleeper) started(at int64) {
	sl.woke.Store(at)
	sl.active.Store(max(sl.active.Load(), at))
}

// wokeBy records that the replica started from hibernation at a time
// clock returned as the start began (see started), woken by cause.
func (sl *sleeper) wokeBy(at int64, cause wakeCause) {
	sl.started(at)
	if cause == wokenToServe {
		sl.unasked.Store(at)
	}
}

// askCampaign reports whether a call that needs the leader is to ask the
// replica to campaign: true once after it was woken to serve, and never
// otherwise.
func (sl *sleeper) askCampaign() bool {
	at := sl.woke.Load()
	return at != 0 && sl.unasked.CompareAndSwap(at, 0)
}

// sinceStart returns how long ago the replica last started.
func (sl *sleeper) sinceStart() time.Duration {
	return time.Since(epoch) - time.Duration(sl.woke.Load())
}

// heardSinceStart reports whether a Raft message came for the replica
// since it last started.
func (sl *sleeper) heardSinceStart() bool { return sl.heard.Load() > sl.woke.Load() }

// idle returns how long the replica has gone without activity.
func (sl *sleeper) idle() time.Duration {
	return time.Since(epoch) - time.Duration(sl.active.Load())
}

// waking reports whether the replica started so recently that its shard
// may not have elected a leader yet.
func (sl *sleeper) waking() bool {
	return sl.woke.Load() != 0 && sl.sinceStart() < electionWait
}

// electionWait bounds how long after a replica woke a call that needs the
// leader waits for its shard to elect one (see dataPlane.awaken).
const electionWait = 5 * time.Second

// track starts keeping a sleeper for this host's replica of a data
// shard, which has just started (see sleeper.started), and returns it.
func (rs *replicaSet) track(shardID uint64, startedAt int64) *sleeper {
	v, _ := rs.sleepers.LoadOrStore(shardID, &sleeper{})
	sl := v.(*sleeper)
	sl.started(startedAt)
	return sl
}

// trackAsleep keeps a sleeper for this host's replica of s, which ran
// here before, without starting the replica: the first call or Raft
// message for the shard will (see replicaSet.start).
func (rs *replicaSet) trackAsleep(s meta.Shard) {
	sl := &sleeper{entry: s}
	sl.dormant.Store(true)
	rs.sleepers.Store(s.ID, sl)
}

// sleeperOf returns the sleeper of this host's replica of a data shard,
// or nil.
func (rs *replicaSet) sleeperOf(shardID uint64) *sleeper {
	v, ok := rs.sleepers.Load(shardID)
	if !ok {
		return nil
	}
	return v.(*sleeper)
}

// use marks a call on a shard under way, starting this host's replica if
// it hibernates (to campaign, if the call needsLeader: see wake), and
// returns the function that marks the call done. A call that needsLeader
// of a replica woken to serve, not yet asked to campaign, asks it now.
// waking is the replica's sleeper if the replica started so recently, for
// this call or another, that its shard may have no leader yet; else nil.
func (rs *replicaSet) use(ctx context.Context, shardID uint64, needsLeader bool) (done func(), waking *sleeper, err error) {
	sl := rs.sleeperOf(shardID)
	if sl == nil {
		return func() {}, nil, nil
	}
	sl.inflight.Add(1) // before reading dormant: see hibernate
	done = func() {
		sl.touch()
		sl.inflight.Add(-1)
	}
	if sl.dormant.Load() {
		cause := wokenToServe
		if needsLeader {
			cause = wokenToLead
		}
		if err = rs.wake(ctx, sl, shardID, cause); err != nil {
			done()
			return nil, nil, err
		}
	}
	if !sl.waking() {
		return done, nil, nil
	}
	if needsLeader {
		rs.wantLeader(sl, shardID)
	}
	return done, sl, nil
}

// wantLeader asks this host's replica of a shard to campaign if it was
// woken to serve, not long ago, and has not been asked yet (see
// sleeper.askCampaign): a call needs its shard's leader, for itself or
// for the entries the replica has yet to apply, and its peers sleep.
func (rs *replicaSet) wantLeader(sl *sleeper, shardID uint64) {
	if sl.waking() && sl.askCampaign() {
		rs.hastenRunning(sl, shardID, campaignWoken)
	}
}

// arrive notes a Raft message (or snapshot chunk) for a shard, on the
// transport's goroutine, and starts this host's replica if it hibernates,
// so that the message finds it. See raftnet.Config.Arriving.
func (rs *replicaSet) arrive(shardID uint64) {
	sl := rs.sleeperOf(shardID)
	if sl == nil {
		return
	}
	sl.heard.Store(sl.touch()) // before reading dormant: see hibernate
	if !sl.dormant.Load() {
		return
	}
	if !rs.life.tryAcquire() {
		return // closing
	}
	defer rs.life.release()
	ctx, cancel := context.WithTimeout(context.Background(), wakeWait)
	defer cancel()
	if err := rs.wake(ctx, sl, shardID, wokenByMessage); err != nil {
		// Once a minute at most: a leader's heartbeats come every few
		// tens of milliseconds.
		now := int64(time.Since(epoch))
		if last := sl.complained.Load(); (last == 0 || now-last > int64(time.Minute)) && sl.complained.CompareAndSwap(last, now) {
			rs.cfg.Logger.Error("wake hibernating replica for a Raft message", "host", rs.cfg.Name, "shard", shardID, "err", err)
		}
	}
}

// wakeWait bounds how long a Raft message, or the reconciler, waits for
// the replica it wakes.
const wakeWait = 5 * time.Second

// wakeCause says what wakes a replica, and so whether it campaigns (see
// hasten).
type wakeCause int

const (
	// wokenByMessage: a Raft message, whose sender leads the shard or
	// campaigns. The replica leaves the campaign to it.
	wokenByMessage wakeCause = iota
	// wokenToServe: a call that does not need the leader, or the
	// reconciler. The replica campaigns on the first call that does,
	// within electionWait, if no leader is known by then (see use), or
	// on the first at-least-index read of an index it has not applied
	// (see replicaSet.waitApplied).
	wokenToServe
	// wokenToLead: a call that needs the leader. The replica campaigns
	// at once.
	wokenToLead
)

// wake starts this host's hibernating replica of a shard again, if it
// still sleeps, and hastens it to its shard's leader, as cause says.
func (rs *replicaSet) wake(ctx context.Context, sl *sleeper, shardID uint64, cause wakeCause) error {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	switch {
	case sl.gone:
		return fmt.Errorf("shard %d: %w", shardID, ErrNotReplica)
	case !sl.dormant.Load():
		return nil
	}
	if sl.stopped != nil {
		select {
		case <-sl.stopped.Closed():
			sl.settle()
		case <-ctx.Done():
			return fmt.Errorf("wake replica of shard %d: its stopped state machine is still closing: %w", shardID, ctx.Err())
		}
	}
	rs.mu.Lock()
	s, placed := rs.running[shardID]
	mod := rs.modules[shardID]
	rs.mu.Unlock()
	if !placed || mod == nil {
		return fmt.Errorf("shard %d: %w", shardID, ErrNotReplica)
	}
	r, _ := s.Replica(s.ReplicaOn(rs.cfg.ID))
	start := time.Now()
	at := clock()
	if err := rs.startOnDisk(nil, r.Joined, rs.factory(fsm.NewWasmExecutor(mod, rs.heavy), sl.lastHealth()), rs.raftConfig(shardID, r.ReplicaID)); err != nil {
		return fmt.Errorf("wake replica of shard %d: %w", shardID, err)
	}
	sl.wokeBy(at, cause)
	sl.dormant.Store(false)
	rs.mu.Lock()
	rs.woken[shardID] = struct{}{}
	rs.mu.Unlock()
	how := stepOnly
	if cause == wokenToLead {
		how = campaignWoken
	}
	go rs.hasten(sl, shardID, r.ReplicaID, how)
	rs.cfg.Logger.Info("replica woke from hibernation", "host", rs.cfg.Name, "shard", s.Name, "id", shardID, "replica", r.ReplicaID, "took", time.Since(start))
	return nil
}

// rest lets this host's replica of a data shard hibernate once it has been
// idle for after (or freshHibernateAfter, if shorter, while the replica
// has applied no command), and wakes a hibernating one whose catalogue
// entry is no longer s, which the reconciler's shard list of generation
// gen holds. It reports whether the replica hibernates, which the
// reconciler then leaves be. A shard with a replica still catching up
// never hibernates: the reconciler has work to do for it.
func (rs *replicaSet) rest(ctx context.Context, s meta.Shard, gen uint64, after time.Duration) (bool, error) {
	sl := rs.sleeperOf(s.ID)
	if sl == nil || after <= 0 {
		return false, nil
	}
	if sl.dormant.Load() {
		sl.mu.Lock()
		sl.settle()
		// An unchanged list holds the same entries: compare only once
		// per generation.
		same := sl.dormant.Load() && (sl.seen == gen || reflect.DeepEqual(sl.entry, s))
		if same {
			sl.seen = gen
		}
		sl.mu.Unlock()
		if same {
			return true, nil
		}
		ctx, cancel := context.WithTimeout(ctx, wakeWait)
		defer cancel()
		return false, rs.wake(ctx, sl, s.ID, wokenToServe)
	}
	idle := sl.idle()
	if learning(s) || idle < min(after, freshHibernateAfter) {
		return false, nil
	}
	if idle < after {
		if rs.written(sl, s.ID) {
			return false, nil
		}
		after = freshHibernateAfter
	}
	return rs.hibernate(sl, s, gen, after)
}

// freshHibernateAfter is how long a replica of a shard that has never
// applied a command (a new shard nobody wrote to) stays idle before it
// hibernates, if Config.HibernateAfter is longer. Creating shards in
// bulk and calling them later is common, and each replica awake costs
// its host Dragonboat's ticks: 2,000 shards created 8 at a time, with
// the default of 5 minutes, took 213 s, and kept every replica awake
// (two thirds of each host's CPU at the end), against 77 s with 10 s.
// The first write to such a shard, if it came after it hibernated,
// waits for it to wake (some milliseconds); so does a read of it, and
// the replicas of a shard only ever read, which holds nothing, sleep
// after 10 s without calls.
const freshHibernateAfter = 10 * time.Second

// written reports whether this host's replica of a data shard, whose
// sleeper is sl, has applied a command (its shard's clock has moved; see
// fsm), or whether that cannot be read.
func (rs *replicaSet) written(sl *sleeper, shardID uint64) bool {
	if sl.written.Load() {
		return true
	}
	v := rs.db.View(shardID)
	defer v.Close()
	clock, err := v.Clock()
	if err != nil {
		return true
	}
	if clock != 0 {
		sl.written.Store(true)
	}
	return clock != 0
}

// learning reports whether a replica of s is still catching up.
func learning(s meta.Shard) bool {
	for _, r := range s.Replicas {
		if r.Learning {
			return true
		}
	}
	return false
}

// hibernate stops this host's replica of s, of the shard list of
// generation gen, if it has stayed idle for after, keeping its place in
// the replica set. It reports whether the replica hibernates.
func (rs *replicaSet) hibernate(sl *sleeper, s meta.Shard, gen uint64, after time.Duration) (bool, error) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.gone || sl.dormant.Load() {
		return !sl.gone, nil
	}
	// Set dormant first, then look for activity: a call marks itself
	// under way, and a message its arrival, before reading dormant, so
	// either this sees it or it sees dormant and waits to wake the
	// replica.
	sl.dormant.Store(true)
	if sl.inflight.Load() > 0 || sl.idle() < after {
		sl.dormant.Store(false)
		return false, nil
	}
	rs.mu.Lock()
	m := rs.machines[s.ID]
	rs.mu.Unlock()
	if m == nil || m.Health().DivergedIndex != 0 {
		// A replica that diverged stays up to say so.
		sl.dormant.Store(false)
		return false, nil
	}
	if err := rs.nh.StopShard(s.ID); err != nil && !errors.Is(err, dragonboat.ErrShardNotFound) {
		sl.dormant.Store(false)
		return false, fmt.Errorf("hibernate replica: %w", err)
	}
	// The health is recorded before the machine leaves the set, so that
	// a status call finds one or the other (see replicaSet.health); it is
	// recorded again once the machine has closed, having applied all it
	// will (see settle).
	h := m.Health()
	sl.health.Store(&h)
	sl.entry, sl.seen, sl.stopped = s, gen, m
	rs.mu.Lock()
	delete(rs.machines, s.ID)
	rs.mu.Unlock()
	// What the replica held (Dragonboat's queues and caches, its machine)
	// is garbage now: without this, Go would keep it resident for
	// minutes, and idle shards would cost their hosts what they used
	// while awake.
	memreturn.Soon()
	rs.cfg.Logger.Info("replica hibernates", "host", rs.cfg.Name, "shard", s.Name, "id", s.ID, "replica", s.ReplicaOn(rs.cfg.ID))
	return true, nil
}

// takeWoken returns the user shards whose replica here woke from
// hibernation since it was last called, and forgets them.
func (rs *replicaSet) takeWoken() map[uint64]struct{} {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	woken := rs.woken
	rs.woken = make(map[uint64]struct{})
	return woken
}

// hibernating reports whether this host's replica of a shard hibernates.
func (rs *replicaSet) hibernating(shardID uint64) bool {
	sl := rs.sleeperOf(shardID)
	return sl != nil && sl.dormant.Load()
}

// settle records the health of the machine the replica stopped to
// hibernate once that machine has closed, and forgets the machine. The
// caller holds sl.mu.
func (sl *sleeper) settle() {
	if sl.stopped == nil {
		return
	}
	select {
	case <-sl.stopped.Closed():
		h := sl.stopped.Health()
		sl.health.Store(&h)
		sl.stopped = nil
	default:
	}
}

// lastHealth returns the health of the machine the replica last stopped
// to hibernate, or the zero Health.
func (sl *sleeper) lastHealth() fsm.Health {
	if h := sl.health.Load(); h != nil {
		return *h
	}
	return fsm.Health{}
}

// hibernated returns the health of the machine this host's hibernating
// replica of a shard stopped; ok is false if the replica is awake. It
// does not wait for a wake or a hibernation under way.
func (rs *replicaSet) hibernated(shardID uint64) (h fsm.Health, ok bool) {
	sl := rs.sleeperOf(shardID)
	if sl == nil || !sl.dormant.Load() {
		return fsm.Health{}, false
	}
	return sl.lastHealth(), true
}
