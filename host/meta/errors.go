package meta

import (
	"errors"
	"fmt"

	"github.com/synodhq/synod/host/internal/wasm"
)

// Sentinel errors of the catalogue. A command that fails returns one of
// them, wrapped with detail, through [FromResult].
var (
	// ErrModuleNotFound is returned for an unknown module hash.
	ErrModuleNotFound = errors.New("module not found")
	// ErrShardNotFound is returned for an unknown shard name.
	ErrShardNotFound = errors.New("shard not found")
	// ErrShardExists is returned when creating a shard whose name is taken.
	ErrShardExists = errors.New("shard already exists")
	// ErrModuleInUse is returned when deleting a module a shard runs.
	ErrModuleInUse = errors.New("module in use")
	// ErrInvalidArgument is returned for a malformed request.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrNotEnoughHosts is returned when a shard needs more hosts than the
	// cluster has.
	ErrNotEnoughHosts = errors.New("not enough hosts")
	// ErrHostNotFound is returned for an unknown host name.
	ErrHostNotFound = errors.New("host not found")
	// ErrHostRemoved is returned to a host that was removed from the
	// cluster, and when naming one.
	ErrHostRemoved = errors.New("host removed")
	// ErrHostInUse is returned when removing or replacing a host that is
	// alive and still needed.
	ErrHostInUse = errors.New("host in use")
	// ErrReplicaExists is returned when adding a replica on a host that
	// already runs one of the shard.
	ErrReplicaExists = errors.New("replica already exists")
	// ErrReplicaNotFound is returned when naming a host that runs no
	// replica of the shard.
	ErrReplicaNotFound = errors.New("replica not found")
)

// codes maps each sentinel to the application error code the meta shard
// records; the code, not the Go value, crosses the log.
var codes = []error{
	1:  ErrModuleNotFound,
	2:  ErrShardNotFound,
	3:  ErrShardExists,
	4:  ErrModuleInUse,
	5:  ErrInvalidArgument,
	6:  ErrNotEnoughHosts,
	7:  ErrHostNotFound,
	8:  ErrHostRemoved,
	9:  ErrHostInUse,
	10: ErrReplicaExists,
	11: ErrReplicaNotFound,
}

func fail(sentinel error, format string, args ...any) error {
	for code, e := range codes {
		if e == sentinel {
			return &wasm.AppError{Code: uint32(code), Message: fmt.Sprintf(format, args...)}
		}
	}
	return &wasm.AppError{Message: fmt.Sprintf(format, args...)}
}

// FromResult turns the application error of a meta command back into its
// sentinel, wrapped with the message; other errors pass through.
func FromResult(err error) error {
	var ae *wasm.AppError
	if !errors.As(err, &ae) {
		return err
	}
	if int(ae.Code) < len(codes) && codes[ae.Code] != nil {
		return &catalogueError{sentinel: codes[ae.Code], msg: ae.Message}
	}
	return errors.New(ae.Message)
}

// CodeOf returns the code of a catalogue error made by [FromResult], so that
// it can cross a wire and be made again there.
func CodeOf(err error) (uint32, bool) {
	var ce *catalogueError
	if !errors.As(err, &ce) {
		return 0, false
	}
	for code, e := range codes {
		if e == ce.sentinel {
			return uint32(code), true
		}
	}
	return 0, false
}

// catalogueError reads as the meta shard's message and matches its
// sentinel with errors.Is.
type catalogueError struct {
	sentinel error
	msg      string
}

func (e *catalogueError) Error() string { return e.msg }

func (e *catalogueError) Unwrap() error { return e.sentinel }
