package gateway

import (
	"context"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
)

// Host is the gateway's view of one host. *host.Host implements it in
// process; a network client implements it between processes. Every method
// may be called concurrently, and must return the host package's errors
// (wrapped as needed) so the gateway can tell what is safe to retry.
type Host interface {
	// ID returns the host's id.
	ID() uint64
	// Propose commits a command to a shard through the host's replica.
	Propose(ctx context.Context, shardID uint64, cmd host.Command) (host.Result, error)
	// ProposeBatch commits several commands to a shard in one log entry
	// through the host's replica.
	ProposeBatch(ctx context.Context, shardID uint64, atomic bool, cmds []host.Command) (host.BatchResult, error)
	// Query runs a read-only query on a shard through the host's replica.
	Query(ctx context.Context, shardID uint64, r host.Read) (host.Result, error)
	// QueryBatch runs several read-only queries of a shard at one
	// consistency (host.Linearizable or host.Stale) through the host's
	// replica, and returns each one's result and failure, in order, or
	// the batch's failure.
	QueryBatch(ctx context.Context, shardID uint64, c host.Consistency, payloads [][]byte) ([]host.Result, []error, error)
	// Status reports what the host knows of a shard: its leader, and the
	// host's replica, if it runs one. It waits no longer than ctx allows.
	// An error means the host could not be asked (unreachable, closed, or
	// ctx ended); a host that runs no replica answers with
	// [host.ReplicaStatus.HasReplica] unset.
	Status(ctx context.Context, shardID uint64, wakeQuiesced bool) (host.ReplicaStatus, error)
	// Verify proposes a verify entry through the host, which must lead the
	// shard, and returns the index it compares.
	Verify(ctx context.Context, shardID uint64) (uint64, error)

	// UploadModule validates a module on the host and records it in a
	// namespace.
	UploadModule(ctx context.Context, ns string, wasm []byte) (host.ModuleInfo, error)
	// RunCatalogue runs a catalogue request through the host's meta replica
	// (see [meta.Runner]); the gateway sends writes to the meta leader.
	RunCatalogue(ctx context.Context, req meta.Request, write bool) ([]byte, error)
}

var _ Host = (*host.Host)(nil)

// Directory tells the gateway which hosts it can reach right now. Hosts is
// called on every routing decision, from any goroutine.
type Directory interface {
	Hosts() []Host
}
