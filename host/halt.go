package host

import (
	"errors"
	"time"

	"github.com/lni/dragonboat/v4"
)

// haltBackoff is how long a replica that halted stays stopped before the
// reconciler starts it again, to replay the entry it refused. If the
// machine was only overloaded, the replay succeeds.
const haltBackoff = 30 * time.Second

// onHalt is called, on the apply goroutine, when this host's replica of a
// shard refuses the outcome of the entry at index because its call ran
// past the watchdog (see fsm.StateMachine.Update). It reports the halt and
// stops the replica, keeping its data.
func (rs *replicaSet) onHalt(shardID, index uint64, err error) {
	rs.halts.Add(1)
	rs.cfg.Logger.Error("replica halted: a guest call ran past the watchdog; the replica records nothing until it restarts and replays the entry",
		"host", rs.cfg.Name, "shard", shardID, "index", index, "restart_in", haltBackoff, "err", err)
	rs.mu.Lock()
	rs.halted[shardID] = time.Now()
	rs.mu.Unlock()
	go rs.stopHalted(shardID)
}

// stopHalted stops a halted replica. The reconciler starts it again once
// haltBackoff has passed.
func (rs *replicaSet) stopHalted(shardID uint64) {
	if rs.life.acquire() != nil {
		return
	}
	defer rs.life.release()
	if err := rs.nh.StopShard(shardID); err != nil && !errors.Is(err, dragonboat.ErrShardNotFound) {
		rs.cfg.Logger.Error("stop halted replica", "host", rs.cfg.Name, "shard", shardID, "err", err)
		return
	}
	rs.stopped(shardID)
}

// haltedRecently reports whether this host's replica of a shard halted
// less than haltBackoff ago.
func (rs *replicaSet) haltedRecently(shardID uint64) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	at, ok := rs.halted[shardID]
	return ok && time.Since(at) < haltBackoff
}
