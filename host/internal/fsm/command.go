package fsm

import (
	"encoding/binary"
	"errors"
	"fmt"

	sm "github.com/lni/dragonboat/v4/statemachine"
	"github.com/synodhq/synod/internal/outcome"
)

const (
	commandV1Header = 1 + 8
	commandV2Header = 1 + 8 + 8
)

var (
	// ErrHalted is the outcome of an entry a halted replica did not apply
	// (see [StateMachine.Update]), and the error of its reads. Other
	// replicas may have applied the entry: its outcome is unknown.
	ErrHalted = outcome.New(outcome.Unavailable, outcome.AppliedUnknown, outcome.CodeHalted, "replica halted: a call ran past the watchdog")

	errMalformedCommand = errors.New("malformed command")
	errReadOnly         = errors.New("write to a read-only view")
)

// EncodeCommand encodes a command payload with the proposer's timestamp
// (Unix nanoseconds) and the fuel budget of its call (0 for the default)
// into a Raft entry. The budget travels in the entry so that every replica
// runs the entry with the same one, whenever it learns of a change to the
// shard's setting.
func EncodeCommand(timeNanos int64, fuel uint64, payload []byte) []byte {
	b := make([]byte, commandV2Header, commandV2Header+len(payload))
	b[0] = entryCommandV2
	binary.BigEndian.PutUint64(b[1:], uint64(timeNanos))
	binary.BigEndian.PutUint64(b[9:], fuel)
	return append(b, payload...)
}

// command is a decoded command entry.
type command struct {
	timeNanos int64
	fuel      uint64
	payload   []byte
}

func decodeCommand(b []byte) (command, error) {
	switch {
	case len(b) >= commandV2Header && b[0] == entryCommandV2:
		return command{int64(binary.BigEndian.Uint64(b[1:])), binary.BigEndian.Uint64(b[9:]), b[commandV2Header:]}, nil
	case len(b) >= commandV1Header && b[0] == entryCommandV1:
		return command{int64(binary.BigEndian.Uint64(b[1:])), 0, b[commandV1Header:]}, nil
	}
	return command{}, errMalformedCommand
}

// Result is an entry's outcome as the proposer reads it.
type Result struct {
	// Index is the entry's log index.
	Index uint64
	// Fuel is the fuel the entry's call used.
	Fuel uint64
	// Output is what the call returned, when it succeeded.
	Output []byte
}

// encodeResult records an entry's outcome, log index and fuel used; err is
// nil or an outcome (see isOutcome). Data is the index and the fuel (8
// bytes each, big endian) followed by the output; the error code and
// message; the trap reason; or the kind (1 byte), code and message of a
// refusal.
func encodeResult(index, fuel uint64, out []byte, err error) sm.Result {
	data := binary.BigEndian.AppendUint64(nil, index)
	data = binary.BigEndian.AppendUint64(data, fuel)
	var (
		ae   *outcome.AppError
		trap *outcome.Trap
	)
	refusal, refused := refusalOf(err)
	switch {
	case err == nil:
		return sm.Result{Value: resultOK, Data: append(data, out...)}
	case errors.As(err, &ae):
		data = binary.BigEndian.AppendUint32(data, ae.Code)
		return sm.Result{Value: resultAppError, Data: append(data, ae.Message...)}
	case errors.As(err, &trap) && trap.OutOfFuel:
		return sm.Result{Value: resultOutOfFuel, Data: append(data, trap.Reason...)}
	case errors.As(err, &trap):
		return sm.Result{Value: resultTrap, Data: append(data, trap.Reason...)}
	case refused:
		data = append(data, byte(refusal.Kind))
		data = binary.BigEndian.AppendUint32(data, refusal.Code)
		return sm.Result{Value: resultRefused, Data: append(data, refusal.Message...)}
	}
	return sm.Result{Value: resultTrap, Data: append(data, err.Error()...)}
}

// DecodeResult returns an entry's result, and its outcome if it failed
// (the result then has no output): an [*outcome.AppError], an
// [*outcome.Trap], an [*outcome.Error] for a refusal (applied: the entry
// ran and changed nothing), or [ErrHalted].
func DecodeResult(r sm.Result) (Result, error) {
	if len(r.Data) < 16 {
		return Result{}, fmt.Errorf("decode result: %w", errMalformedCommand)
	}
	res := Result{Index: binary.BigEndian.Uint64(r.Data), Fuel: binary.BigEndian.Uint64(r.Data[8:])}
	data := r.Data[16:]
	switch r.Value {
	case resultOK:
		res.Output = data
		return res, nil
	case resultAppError:
		if len(data) < 4 {
			return res, fmt.Errorf("decode result: %w", errMalformedCommand)
		}
		return res, &outcome.AppError{Code: binary.BigEndian.Uint32(data), Message: string(data[4:])}
	case resultTrap, resultOutOfFuel:
		return res, &outcome.Trap{Reason: string(data), OutOfFuel: r.Value == resultOutOfFuel}
	case resultRefused:
		if len(data) < 5 {
			return res, fmt.Errorf("decode result: %w", errMalformedCommand)
		}
		return res, outcome.New(outcome.Kind(data[0]), outcome.AppliedYes, binary.BigEndian.Uint32(data[1:]), string(data[5:]))
	case resultHalted:
		return res, ErrHalted
	}
	return res, fmt.Errorf("decode result: unknown outcome %d", r.Value)
}

// isOutcome reports whether err is a deterministic outcome of an entry
// rather than a failure of the host: a module's application error or
// trap, or an executor's refusal (see refusalOf).
func isOutcome(err error) bool {
	var (
		ae   *outcome.AppError
		trap *outcome.Trap
	)
	_, refused := refusalOf(err)
	return errors.As(err, &ae) || errors.As(err, &trap) || refused
}

// refusalOf returns the refusal err carries: an [*outcome.Error] that says
// its entry was applied, which only an executor's deterministic refusal
// does (the catalogue's "shard not found"). A host's failures are
// outcome errors too, but never applied ones, so none of them is ever
// recorded as an entry's outcome.
func refusalOf(err error) (*outcome.Error, bool) {
	var e *outcome.Error
	if errors.As(err, &e) && e.Applied == outcome.AppliedYes {
		return e, true
	}
	return nil, false
}
