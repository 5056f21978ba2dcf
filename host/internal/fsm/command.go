package fsm

import (
	"encoding/binary"
	"errors"
	"fmt"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/wasm"
)

// commandVersion is the first byte of every encoded command.
const commandVersion = 1

const commandHeader = 1 + 8

var (
	errMalformedCommand = errors.New("malformed command")
	errReadOnly         = errors.New("write to a read-only view")
)

// EncodeCommand encodes a command payload with the proposer's timestamp
// (Unix nanoseconds) into a Raft entry.
func EncodeCommand(timeNanos int64, payload []byte) []byte {
	b := make([]byte, commandHeader, commandHeader+len(payload))
	b[0] = commandVersion
	binary.BigEndian.PutUint64(b[1:], uint64(timeNanos))
	return append(b, payload...)
}

func decodeCommand(b []byte) (timeNanos int64, payload []byte, err error) {
	if len(b) < commandHeader || b[0] != commandVersion {
		return 0, nil, errMalformedCommand
	}
	return int64(binary.BigEndian.Uint64(b[1:])), b[commandHeader:], nil
}

// Outcome codes in sm.Result.Value.
const (
	resultOK       = 0
	resultAppError = 1
	resultTrap     = 2
)

// encodeResult records an entry's outcome and log index; err is nil, an
// [*wasm.AppError] or a [*wasm.Trap]. Data is the index (8 bytes, big
// endian) followed by the output, the error code and message, or the trap
// reason.
func encodeResult(index uint64, out []byte, err error) sm.Result {
	data := binary.BigEndian.AppendUint64(nil, index)
	var ae *wasm.AppError
	var trap *wasm.Trap
	switch {
	case err == nil:
		return sm.Result{Value: resultOK, Data: append(data, out...)}
	case errors.As(err, &ae):
		data = binary.BigEndian.AppendUint32(data, ae.Code)
		return sm.Result{Value: resultAppError, Data: append(data, ae.Message...)}
	case errors.As(err, &trap):
		return sm.Result{Value: resultTrap, Data: append(data, trap.Reason...)}
	}
	return sm.Result{Value: resultTrap, Data: append(data, err.Error()...)}
}

// DecodeResult returns an entry's log index and output, or its application
// error or trap.
func DecodeResult(r sm.Result) (index uint64, out []byte, err error) {
	if len(r.Data) < 8 {
		return 0, nil, fmt.Errorf("decode result: %w", errMalformedCommand)
	}
	index, data := binary.BigEndian.Uint64(r.Data), r.Data[8:]
	switch r.Value {
	case resultOK:
		return index, data, nil
	case resultAppError:
		if len(data) < 4 {
			return index, nil, fmt.Errorf("decode result: %w", errMalformedCommand)
		}
		return index, nil, &wasm.AppError{Code: binary.BigEndian.Uint32(data), Message: string(data[4:])}
	case resultTrap:
		return index, nil, &wasm.Trap{Reason: string(data)}
	}
	return index, nil, fmt.Errorf("decode result: unknown outcome %d", r.Value)
}

// isOutcome reports whether err is a deterministic outcome of an entry
// rather than a failure of the host.
func isOutcome(err error) bool {
	var ae *wasm.AppError
	var trap *wasm.Trap
	return errors.As(err, &ae) || errors.As(err, &trap)
}
