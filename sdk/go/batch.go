package synod

import (
	"context"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// Batch is several commands for one shard, sent in one call and
// committed in one log entry.
type Batch struct {
	// Commands run in order: 1 to 256 of them, of at most 4 MiB in all.
	Commands []Command
	// Atomic keeps the writes of every command or of none: the first
	// command that fails makes every one fail. Otherwise each command
	// succeeds or fails on its own.
	Atomic bool
	// WithoutIdempotencyKeys sends the commands that have no key without
	// one, instead of with a generated key; a batch with such a command
	// is never sent again after an unknown outcome (as
	// [WithoutIdempotencyKey]).
	WithoutIdempotencyKeys bool
}

// Command is one command of a [Batch].
type Command struct {
	// Data is the command: the bytes passed to the module.
	Data []byte
	// IdempotencyKey is the command's key, as [WithIdempotencyKey]; ""
	// generates one, unless [Batch.WithoutIdempotencyKeys] is set.
	IdempotencyKey string
}

// BatchResult is the outcome of a batch: of each command.
type BatchResult struct {
	// Results holds each command's outcome, in order.
	Results []CommandResult
	// Index is the log index the batch was committed at.
	Index uint64
	// FuelUsed is the fuel the batch's commands used.
	FuelUsed uint64
}

// CommandResult is the outcome of one command of a batch: its result, or
// its failure.
type CommandResult struct {
	// ProposeResult is the command's result, and its index and key; for
	// a replayed command, the first one's index.
	ProposeResult
	// Err is the command's failure, an [*Error] that says whether it was
	// applied (an atomic batch's commands fail together); nil if it
	// succeeded.
	Err error
}

// ProposeBatch sends a batch of commands to the module of the shard named
// shard, and returns each command's outcome. Like [Client.Propose], it
// gives each command a key unless told otherwise, and retries the batch
// when its outcome is unknown if every command has one. A failure of the
// call itself is an [*Error]; each command's own failure is in its
// [CommandResult].
func (c *Client) ProposeBatch(ctx context.Context, shard string, b Batch) (*BatchResult, error) {
	req := &synodv1.ProposeBatchRequest{Shard: shard, Atomic: b.Atomic, Namespace: c.namespace}
	keyed := true
	for _, cmd := range b.Commands {
		key := cmd.IdempotencyKey
		if key == "" && !b.WithoutIdempotencyKeys {
			key = newKey()
		}
		keyed = keyed && key != ""
		req.Commands = append(req.Commands, &synodv1.BatchCommand{Command: cmd.Data, IdempotencyKey: key})
	}
	res, err := call(ctx, c, "propose batch to "+shard, keyed, c.data.ProposeBatch, req)
	if err != nil {
		return nil, err
	}
	out := &BatchResult{Index: res.GetIndex(), FuelUsed: res.GetFuelUsed(), Results: make([]CommandResult, len(res.GetResults()))}
	for i, r := range res.GetResults() {
		cr := &out.Results[i]
		cr.ProposeResult = ProposeResult{Result: r.GetResult(), Index: r.GetIndex(), FuelUsed: r.GetFuelUsed(), Replayed: r.GetReplayed()}
		if i < len(req.Commands) {
			cr.IdempotencyKey = req.Commands[i].GetIdempotencyKey()
		}
		if ce := r.GetError(); ce != nil {
			cr.Err = commandError(ce, r.GetFuelUsed())
		}
	}
	return out, nil
}
