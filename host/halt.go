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
func (h *Host) onHalt(shardID, index uint64, err error) {
	h.halts.Add(1)
	h.cfg.Logger.Error("replica halted: a guest call ran past the watchdog; the replica records nothing until it restarts and replays the entry",
		"host", h.cfg.Name, "shard", shardID, "index", index, "restart_in", haltBackoff, "err", err)
	h.mu.Lock()
	h.halted[shardID] = time.Now()
	h.mu.Unlock()
	go h.stopHalted(shardID)
}

// stopHalted stops a halted replica. The reconciler starts it again once
// haltBackoff has passed.
func (h *Host) stopHalted(shardID uint64) {
	if h.acquire() != nil {
		return
	}
	defer h.life.RUnlock()
	if err := h.nh.StopShard(shardID); err != nil && !errors.Is(err, dragonboat.ErrShardNotFound) {
		h.cfg.Logger.Error("stop halted replica", "host", h.cfg.Name, "shard", shardID, "err", err)
		return
	}
	h.mu.Lock()
	delete(h.running, shardID)
	delete(h.machines, shardID)
	h.mu.Unlock()
	h.poke()
}

// haltedRecently reports whether this host's replica of a shard halted
// less than haltBackoff ago.
func (h *Host) haltedRecently(shardID uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	at, ok := h.halted[shardID]
	return ok && time.Since(at) < haltBackoff
}

// Halts counts the times this host's replicas halted.
func (h *Host) Halts() uint64 { return h.halts.Load() }
