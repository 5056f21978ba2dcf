package host

import (
	"errors"
	"time"

	"github.com/lni/dragonboat/v4"
)

// A replica that halted stays stopped for a while before the reconciler
// starts it again, to replay the entry it refused: haltBackoff the first
// time, twice as long each time it halts again at the same entry, up to
// maxHaltBackoff. If the machine was only overloaded, the replay
// succeeds; if the call is too long for this machine whatever its load,
// the replica retries ever more rarely, and reports that it is halted
// (see [Halt]) until an operator gives it a longer watchdog.
const (
	haltBackoff    = 30 * time.Second
	maxHaltBackoff = 30 * time.Minute
)

// Halt describes this host's replica of a shard stopped after a guest
// call ran past the watchdog.
type Halt struct {
	// Index is the entry whose outcome the replica refused to record.
	Index uint64
	// Times is how many times in a row the replica halted at Index.
	Times int
	// Restart is when the reconciler starts the replica again.
	Restart time.Time
	// Reason says what ran too long.
	Reason string
}

// onHalt is called, on the apply goroutine, when this host's replica of a
// shard refuses the outcome of the entry at index because its call ran
// past the watchdog (see fsm.StateMachine.Update). It reports the halt and
// stops the replica, keeping its data.
func (rs *replicaSet) onHalt(shardID, index uint64, err error) {
	rs.halts.Add(1)
	rs.mu.Lock()
	h := rs.halted[shardID]
	if h.Index != index {
		h = Halt{Index: index}
	}
	h.Times++
	backoff := backoffAfter(h.Times)
	h.Restart, h.Reason = time.Now().Add(backoff), err.Error()
	rs.halted[shardID] = h
	rs.mu.Unlock()
	rs.cfg.Logger.Error("replica halted: a guest call ran past the watchdog; the replica records nothing until it restarts and replays the entry",
		"host", rs.cfg.Name, "shard", shardID, "index", index, "times", h.Times, "restart_in", backoff, "err", err)
	go rs.stopHalted(shardID)
}

// backoffAfter returns how long a replica that halted times times in a
// row at one entry stays stopped.
func backoffAfter(times int) time.Duration {
	return min(haltBackoff<<min(times-1, 16), maxHaltBackoff)
}

// stopHalted stops a halted replica. The reconciler starts it again once
// its backoff has passed.
func (rs *replicaSet) stopHalted(shardID uint64) {
	if rs.life.acquire() != nil {
		return
	}
	defer rs.life.release()
	if sl := rs.sleeperOf(shardID); sl != nil {
		// No call or message may start it again until the reconciler
		// does, after the backoff.
		sl.mu.Lock()
		defer sl.mu.Unlock()
		sl.gone = true
	}
	if err := rs.nh.StopShard(shardID); err != nil && !errors.Is(err, dragonboat.ErrShardNotFound) {
		rs.cfg.Logger.Error("stop halted replica", "host", rs.cfg.Name, "shard", shardID, "err", err)
		return
	}
	rs.stopped(shardID)
}

// halting reports whether this host's replica of a shard is stopped after
// a halt, and must not be started yet.
func (rs *replicaSet) halting(shardID uint64) bool {
	_, ok := rs.haltOf(shardID)
	return ok
}

// haltOf returns the last halt of this host's replica of a shard, if the
// replica is stopped for it still: ok is false once the backoff has passed
// (and the reconciler may start it again), or if it never halted.
func (rs *replicaSet) haltOf(shardID uint64) (h Halt, ok bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	h, ok = rs.halted[shardID]
	return h, ok && time.Now().Before(h.Restart)
}
