package host

import (
	"context"
	"errors"
	"fmt"

	"github.com/lni/dragonboat/v4"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
)

// The host's sentinel errors. Each is an [*outcome.Error]: its kind and
// whether a command was applied travel with it, to the gateway and over
// the internal API.
var (
	// ErrUnavailable means the shard cannot serve right now (no leader yet,
	// busy, starting or moving); the call may be retried. For a Propose it
	// does not say whether the command was applied.
	ErrUnavailable = outcome.New(outcome.Unavailable, outcome.AppliedUnknown, 0, "shard unavailable")
	// ErrNotLeader means this host's replica does not lead the shard; ask
	// the leader. Nothing was proposed.
	ErrNotLeader = outcome.New(outcome.NotLeader, outcome.AppliedNo, 0, "not the leader")
	// ErrClosed means the host has shut down; the call did nothing.
	ErrClosed = outcome.New(outcome.Unavailable, outcome.AppliedNo, outcome.CodeHostClosed, "host closed")
	// ErrNotReplica means this host runs no replica of the shard; ask
	// another host. Nothing was proposed.
	ErrNotReplica = outcome.New(outcome.NotReplica, outcome.AppliedNo, 0, "no replica of the shard on this host")
	// ErrTooLarge means a command or query is over the size a shard accepts.
	ErrTooLarge = outcome.New(outcome.OverLimit, outcome.AppliedNo, outcome.CodePayloadTooLarge, "payload too large")
	// ErrOverFuelRate means a shard's calls used more fuel lately than its
	// rate allows (see throttle): the call was not run, and may be retried
	// later.
	ErrOverFuelRate = outcome.New(outcome.OverLimit, outcome.AppliedNo, outcome.CodeOverFuelRate, "shard over its fuel rate")
	// ErrInvalidModule means an uploaded module cannot be run; the wrapped
	// message names the problem.
	ErrInvalidModule = wasm.ErrInvalidModule
	// ErrModuleTooLarge means an uploaded module is over the size limit.
	ErrModuleTooLarge = wasm.ErrModuleTooLarge
)

// Catalogue errors, returned wrapped by the catalogue methods.
var (
	ErrModuleNotFound  = meta.ErrModuleNotFound
	ErrShardNotFound   = meta.ErrShardNotFound
	ErrShardExists     = meta.ErrShardExists
	ErrModuleInUse     = meta.ErrModuleInUse
	ErrInvalidArgument = meta.ErrInvalidArgument
	ErrNotEnoughHosts  = meta.ErrNotEnoughHosts
	ErrHostNotFound    = meta.ErrHostNotFound
	ErrHostRemoved     = meta.ErrHostRemoved
	ErrHostInUse       = meta.ErrHostInUse
	ErrReplicaExists   = meta.ErrReplicaExists
	ErrReplicaNotFound = meta.ErrReplicaNotFound
)

// MaxPayloadBytes is the largest command or query a shard accepts.
const MaxPayloadBytes = 4 << 20

// raftError translates a dragonboat error for a call on shardID.
func raftError(ctx context.Context, shardID uint64, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, dragonboat.ErrShardNotFound):
		return fmt.Errorf("shard %d: %w", shardID, ErrNotReplica)
	case errors.Is(err, dragonboat.ErrPayloadTooBig):
		return fmt.Errorf("shard %d: %w", shardID, ErrTooLarge)
	case errors.Is(err, dragonboat.ErrTimeout), errors.Is(err, dragonboat.ErrCanceled):
		if ctx.Err() != nil {
			return fmt.Errorf("shard %d: %w", shardID, ctx.Err())
		}
	case errors.Is(err, dragonboat.ErrTimeoutTooSmall):
		// Under a tick was left of the call's time: for a Propose or a
		// ReadIndex, its deadline had passed (see timeoutFor). Nothing
		// was proposed.
		return fmt.Errorf("shard %d: %w", shardID, context.DeadlineExceeded)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// A query's guest call stopped at its deadline.
		return fmt.Errorf("shard %d: %w", shardID, err)
	}
	return outcome.Errorf(outcome.Unavailable, outcome.AppliedUnknown, "shard %d: %w: %w", shardID, ErrUnavailable, err)
}
