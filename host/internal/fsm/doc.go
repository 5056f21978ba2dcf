// Package fsm adapts an [Executor] to dragonboat's IOnDiskStateMachine, with
// the shard's state in the host's [store.DB].
//
// Every Raft entry is a command stamped by the proposing host with its wall
// clock ([EncodeCommand]). The state machine turns that stamp into the
// shard's clock, which never goes backwards, and runs the executor with it:
// the executor sees the same clock, seed and state on every replica.
//
// The outcome of an entry is one of: success with output bytes, an
// application error, or a trap. The latter two roll back the entry's writes
// and are recorded as the entry's result, identically on every replica. Any
// other error is a failure of the host itself and stops the replica rather
// than let it diverge.
package fsm
