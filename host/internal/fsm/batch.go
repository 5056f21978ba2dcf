package fsm

import (
	"encoding/binary"
	"fmt"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"context"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/internal/outcome"
)

// BatchCommand is one command of a batch: its payload and idempotency
// key, if any.
type BatchCommand struct {
	Key     []byte
	Payload []byte
}

// MaxBatchCommands bounds the commands of one batch.
const MaxBatchCommands = 256

// EncodeBatch encodes several commands into one Raft entry, with the
// proposer's timestamp and the budget of each command. An atomic batch
// keeps the writes of all its commands or of none: if one fails, every one
// fails. The commands of a batch that is not atomic succeed or fail each
// on its own, as entries of their own would.
//
// The entry is [6][time][fuel][write bytes][write keys][stored bytes]
// [window][max keys][max bytes][flags, 1 byte][count, 4 bytes], then for
// each command [key length, 1 byte][key][payload length, 4 bytes]
// [payload].
func EncodeBatch(timeNanos int64, b Budget, atomic bool, cmds []BatchCommand) []byte {
	e := appendIdempotency(appendBudget([]byte{entryBatch}, timeNanos, b), b.Idempotency)
	var flags byte
	if atomic {
		flags |= batchAtomic
	}
	e = binary.BigEndian.AppendUint32(append(e, flags), uint32(len(cmds)))
	for _, c := range cmds {
		e = append(append(e, byte(len(c.Key))), c.Key...)
		e = append(binary.BigEndian.AppendUint32(e, uint32(len(c.Payload))), c.Payload...)
	}
	return e
}

// batchAtomic is the flag of an atomic batch.
const batchAtomic = 1

// batchHeader is the size of a batch entry's header.
const batchHeader = 1 + 8*8 + 1 + 4

// batch is a decoded batch entry.
type batch struct {
	timeNanos int64
	atomic    bool
	cmds      []command
}

func decodeBatch(b []byte) (batch, error) {
	if len(b) < batchHeader || b[0] != entryBatch {
		return batch{}, errMalformedCommand
	}
	timeNanos, budget := readBudget(b)
	budget.Idempotency = readIdempotency(b[commandV3Header:])
	out := batch{timeNanos: timeNanos, atomic: b[1+8*8]&batchAtomic != 0}
	n := binary.BigEndian.Uint32(b[1+8*8+1:])
	if n > MaxBatchCommands {
		return batch{}, errMalformedCommand
	}
	rest := b[batchHeader:]
	for range n {
		if len(rest) < 1 || len(rest) < 1+int(rest[0])+4 {
			return batch{}, errMalformedCommand
		}
		key := rest[1 : 1+int(rest[0])]
		rest = rest[1+len(key):]
		size := binary.BigEndian.Uint32(rest)
		if uint64(len(rest)-4) < uint64(size) {
			return batch{}, errMalformedCommand
		}
		out.cmds = append(out.cmds, command{timeNanos: out.timeNanos, budget: budget, key: key, payload: rest[4 : 4+size]})
		rest = rest[4+size:]
	}
	if len(rest) > 0 {
		return batch{}, errMalformedCommand
	}
	return out, nil
}

// applyBatch runs the commands of a batch entry in order, each with its
// own limits and idempotency key, and returns their results in one (see
// [DecodeBatchResult]). In an atomic batch, the first command that fails
// undoes every write of the batch, keys kept included, and the others
// fail with it.
func (s *StateMachine) applyBatch(ctx context.Context, e *sm.Entry, clock int64, txn *store.Txn) (sm.Result, int64, error) {
	b, err := decodeBatch(e.Cmd)
	if err != nil {
		return encodeResult(e.Index, 0, nil, &outcome.Trap{Reason: err.Error()}), clock, nil
	}
	if err := txn.Begin(store.Limits{}); err != nil {
		return sm.Result{}, clock, err
	}
	clock = max(clock, b.timeNanos)
	start, err := txn.Savepoint()
	if err != nil {
		return sm.Result{}, clock, err
	}
	results := make([]sm.Result, len(b.cmds))
	failed := -1
	for i, cmd := range b.cmds {
		txn.Limit(cmd.budget.Limits)
		res, err := s.run(ctx, Call{ShardID: s.shardID, Index: e.Index, TimeNanos: clock, Fuel: cmd.budget.Fuel, Command: i}, cmd, txn)
		if err != nil {
			return sm.Result{}, clock, fmt.Errorf("apply command %d of entry %d of shard %d: %w", i, e.Index, s.shardID, err)
		}
		results[i] = res
		if b.atomic && res.Value&^resultReplayed != resultOK {
			failed = i
			break
		}
	}
	if failed >= 0 {
		if err := s.rollBack(txn, start); err != nil {
			return sm.Result{}, clock, err
		}
		for i := range results {
			if i != failed {
				results[i] = encodeResult(e.Index, fuelOf(results[i]), nil, batchAborted(i, failed))
			}
		}
	}
	return encodeBatchResult(e.Index, results), clock, expireKeys(txn, &s.keys, clock)
}

// batchAborted is the outcome of command i of an atomic batch whose
// command failed failed first.
func batchAborted(i, failed int) error {
	verb := "rolled back"
	if i > failed {
		verb = "not run"
	}
	return outcome.New(outcome.Refused, outcome.AppliedYes, outcome.CodeBatchAborted,
		fmt.Sprintf("%s: command %d of the atomic batch failed, so the batch kept none of its writes", verb, failed))
}

// fuelOf returns the fuel an encoded result says its call used.
func fuelOf(r sm.Result) uint64 {
	if len(r.Data) < 16 {
		return 0
	}
	return binary.BigEndian.Uint64(r.Data[8:])
}

// encodeBatchResult is the result of a batch entry: its index and the
// fuel its commands used, then each command's result value (8 bytes),
// length (4 bytes) and data.
func encodeBatchResult(index uint64, results []sm.Result) sm.Result {
	var fuel uint64
	for _, r := range results {
		fuel += fuelOf(r)
	}
	data := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, index), fuel)
	for _, r := range results {
		data = binary.BigEndian.AppendUint64(data, r.Value)
		data = append(binary.BigEndian.AppendUint32(data, uint32(len(r.Data))), r.Data...)
	}
	return sm.Result{Value: resultBatch, Data: data}
}

// BatchResult is the outcome of a batch entry.
type BatchResult struct {
	// Index is the entry's log index.
	Index uint64
	// Fuel is the fuel its commands used.
	Fuel uint64
	// Results are the commands' results, in order; Errs their failures
	// (nil for a command that succeeded), as [DecodeResult] returns them.
	Results []Result
	Errs    []error
}

// DecodeBatchResult returns a batch entry's result. A batch entry that
// could not be decoded, or that a halted replica did not apply, has a
// plain result: its error is returned.
func DecodeBatchResult(r sm.Result) (BatchResult, error) {
	if r.Value != resultBatch {
		res, err := DecodeResult(r)
		if err == nil {
			err = fmt.Errorf("decode batch result: %w", errMalformedCommand)
		}
		return BatchResult{Index: res.Index}, err
	}
	if len(r.Data) < 16 {
		return BatchResult{}, fmt.Errorf("decode batch result: %w", errMalformedCommand)
	}
	out := BatchResult{Index: binary.BigEndian.Uint64(r.Data), Fuel: binary.BigEndian.Uint64(r.Data[8:])}
	for rest := r.Data[16:]; len(rest) > 0; {
		if len(rest) < 12 || uint64(len(rest)-12) < uint64(binary.BigEndian.Uint32(rest[8:])) {
			return BatchResult{}, fmt.Errorf("decode batch result: %w", errMalformedCommand)
		}
		n := 12 + int(binary.BigEndian.Uint32(rest[8:]))
		res, err := DecodeResult(sm.Result{Value: binary.BigEndian.Uint64(rest), Data: rest[12:n]})
		out.Results, out.Errs = append(out.Results, res), append(out.Errs, err)
		rest = rest[n:]
	}
	return out, nil
}
