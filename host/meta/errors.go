package meta

import (
	"fmt"

	"github.com/synodhq/synod/internal/outcome"
)

// Sentinel errors of the catalogue. A command or query that fails returns
// one of them, with detail (see fail); it matches its sentinel with
// errors.Is on both sides of the log and of the internal API, since its
// kind and code travel with it.
var (
	// ErrModuleNotFound is returned for an unknown module hash.
	ErrModuleNotFound = refusal(outcome.NotFound, outcome.CodeModuleNotFound, "module not found")
	// ErrShardNotFound is returned for an unknown shard name.
	ErrShardNotFound = refusal(outcome.NotFound, outcome.CodeShardNotFound, "shard not found")
	// ErrShardExists is returned when creating a shard whose name is taken.
	ErrShardExists = refusal(outcome.Exists, outcome.CodeShardExists, "shard already exists")
	// ErrModuleInUse is returned when deleting a module a shard runs.
	ErrModuleInUse = refusal(outcome.Refused, outcome.CodeModuleInUse, "module in use")
	// ErrInvalidArgument is returned for a malformed request.
	ErrInvalidArgument = refusal(outcome.Invalid, outcome.CodeInvalidArgument, "invalid argument")
	// ErrNotEnoughHosts is returned when a shard needs more hosts than the
	// cluster has.
	ErrNotEnoughHosts = refusal(outcome.Refused, outcome.CodeNotEnoughHosts, "not enough hosts")
	// ErrHostNotFound is returned for an unknown host name.
	ErrHostNotFound = refusal(outcome.NotFound, outcome.CodeHostNotFound, "host not found")
	// ErrHostRemoved is returned to a host that was removed from the
	// cluster, and when naming one.
	ErrHostRemoved = refusal(outcome.Refused, outcome.CodeHostRemoved, "host removed")
	// ErrHostInUse is returned when removing or replacing a host that is
	// alive and still needed.
	ErrHostInUse = refusal(outcome.Refused, outcome.CodeHostInUse, "host in use")
	// ErrReplicaExists is returned when adding a replica on a host that
	// already runs one of the shard.
	ErrReplicaExists = refusal(outcome.Exists, outcome.CodeReplicaExists, "replica already exists")
	// ErrReplicaNotFound is returned when naming a host that runs no
	// replica of the shard.
	ErrReplicaNotFound = refusal(outcome.NotFound, outcome.CodeReplicaNotFound, "replica not found")
	// ErrKeyNotFound is returned for an unknown API key id.
	ErrKeyNotFound = refusal(outcome.NotFound, outcome.CodeKeyNotFound, "key not found")
	// ErrOverQuota is returned for a request that would take a namespace
	// over one of its quotas.
	ErrOverQuota = refusal(outcome.OverLimit, outcome.CodeOverQuota, "over quota")
	// ErrKeyExists is returned when making a key whose id is taken, and
	// when bootstrapping a cluster's admin key a second time.
	ErrKeyExists = refusal(outcome.Exists, outcome.CodeKeyExists, "key already exists")
)

// refusal makes a sentinel. A refused command took its place in the
// meta shard's log and changed nothing.
func refusal(k outcome.Kind, code uint32, msg string) *outcome.Error {
	return outcome.New(k, outcome.AppliedYes, code, msg)
}

// fail returns the error of a refused request: the sentinel's kind and
// code, with a message that says what was wrong.
func fail(sentinel *outcome.Error, format string, args ...any) error {
	return refusal(sentinel.Kind, sentinel.Code, fmt.Sprintf(format, args...))
}
