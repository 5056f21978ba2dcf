package fsm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/internal/outcome"
)

const (
	commandV1Header = 1 + 8
	commandV2Header = 1 + 8 + 8
	commandV3Header = 1 + 8 + 8 + 3*8
	commandV4Header = commandV3Header + 1
	// keyedHeader is what a key adds to a command's header, besides the
	// key: its idempotency settings.
	keyedHeader = 3 * 8
)

var (
	// ErrHalted is the outcome of an entry a halted replica did not apply
	// (see [StateMachine.Update]), and the error of its reads. Other
	// replicas may have applied the entry: its outcome is unknown.
	ErrHalted = outcome.New(outcome.Unavailable, outcome.AppliedUnknown, outcome.CodeHalted, "replica halted: a call ran past the watchdog")

	errMalformedCommand = errors.New("malformed command")
	errReadOnly         = errors.New("write to a read-only view")
)

// Budget is what one command may spend: its fuel and its writes. It
// travels in the command's entry, so that every replica applies the entry
// with the same budget, whenever it learns of a change to the shard's
// settings.
type Budget struct {
	// Fuel is the call's fuel budget; 0 means the default.
	Fuel uint64
	// Limits bound the command's writes and the shard's size.
	Limits store.Limits
	// Idempotency bounds the idempotency keys the shard keeps, for a
	// command that has one.
	Idempotency Idempotency
}

// EncodeCommand encodes a command payload with the proposer's timestamp
// (Unix nanoseconds), the command's budget and its idempotency key (none
// if empty, at most [MaxIdempotencyKeyBytes]) into a Raft entry.
func EncodeCommand(timeNanos int64, b Budget, key, payload []byte) []byte {
	e := make([]byte, 1, commandV4Header+keyedHeader+len(key)+len(payload))
	e[0] = entryCommandV4
	e = append(appendBudget(e, timeNanos, b), byte(len(key)))
	if len(key) > 0 {
		e = append(appendIdempotency(e, b.Idempotency), key...)
	}
	return append(e, payload...)
}

// appendBudget appends a command's stamp and budget: its time, fuel and
// write limits, 8 bytes each.
func appendBudget(e []byte, timeNanos int64, b Budget) []byte {
	for _, v := range []uint64{uint64(timeNanos), b.Fuel, b.Limits.WriteBytes, b.Limits.WriteKeys, b.Limits.StoredBytes} {
		e = binary.BigEndian.AppendUint64(e, v)
	}
	return e
}

// readBudget reads what appendBudget appended to b's first byte, the
// entry's kind; b holds at least commandV3Header bytes.
func readBudget(b []byte) (timeNanos int64, budget Budget) {
	u := func(i int) uint64 { return binary.BigEndian.Uint64(b[1+8*i:]) }
	return int64(u(0)), Budget{Fuel: u(1), Limits: store.Limits{WriteBytes: u(2), WriteKeys: u(3), StoredBytes: u(4)}}
}

// appendIdempotency appends idempotency settings, 8 bytes each.
func appendIdempotency(e []byte, i Idempotency) []byte {
	for _, v := range []uint64{uint64(i.Window), i.MaxKeys, i.MaxBytes} {
		e = binary.BigEndian.AppendUint64(e, v)
	}
	return e
}

// readIdempotency reads what appendIdempotency appended, from b's start;
// b holds at least keyedHeader bytes.
func readIdempotency(b []byte) Idempotency {
	u := func(i int) uint64 { return binary.BigEndian.Uint64(b[8*i:]) }
	return Idempotency{Window: time.Duration(u(0)), MaxKeys: u(1), MaxBytes: u(2)}
}

// command is a decoded command entry.
type command struct {
	timeNanos int64
	budget    Budget
	key       []byte // the idempotency key, if any
	payload   []byte
}

func decodeCommand(b []byte) (command, error) {
	u := func(i int) uint64 { return binary.BigEndian.Uint64(b[1+8*i:]) }
	switch {
	case len(b) >= commandV4Header && b[0] == entryCommandV4:
		var cmd command
		cmd.timeNanos, cmd.budget = readBudget(b)
		n, rest := int(b[commandV3Header]), b[commandV4Header:]
		if n == 0 {
			cmd.payload = rest
			return cmd, nil
		}
		if len(rest) < keyedHeader+n {
			return command{}, errMalformedCommand
		}
		cmd.budget.Idempotency = readIdempotency(rest)
		cmd.key, cmd.payload = rest[keyedHeader:keyedHeader+n], rest[keyedHeader+n:]
		return cmd, nil
	case len(b) >= commandV3Header && b[0] == entryCommandV3:
		timeNanos, budget := readBudget(b)
		return command{timeNanos: timeNanos, budget: budget, payload: b[commandV3Header:]}, nil
	case len(b) >= commandV2Header && b[0] == entryCommandV2:
		return command{timeNanos: int64(u(0)), budget: Budget{Fuel: u(1)}, payload: b[commandV2Header:]}, nil
	case len(b) >= commandV1Header && b[0] == entryCommandV1:
		return command{timeNanos: int64(u(0)), payload: b[commandV1Header:]}, nil
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
	// Replayed says that the result is that of an earlier entry with the
	// same idempotency key (whose index Index is): this entry ran nothing.
	Replayed bool
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
	res := Result{Index: binary.BigEndian.Uint64(r.Data), Fuel: binary.BigEndian.Uint64(r.Data[8:]), Replayed: r.Value&resultReplayed != 0}
	data := r.Data[16:]
	switch r.Value &^ resultReplayed {
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
