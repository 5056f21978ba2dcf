package host

// HoldSleeper takes the lock that a wake of h's replica of a shard holds
// while it waits for the machine it stopped to close and starts a new
// one, and returns the function that releases it. h must track the
// replica.
func HoldSleeper(h *Host, shardID uint64) (release func()) {
	sl := h.replicas.sleeperOf(shardID)
	sl.mu.Lock()
	return sl.mu.Unlock
}
