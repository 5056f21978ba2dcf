package synod

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// ProposeResult is the outcome of a command the shard applied.
type ProposeResult struct {
	// Result is the bytes the module returned.
	Result []byte
	// Index is the log index the command was committed at: pass it to
	// [AtLeastIndex] to read the command's effect from any replica.
	Index uint64
	// FuelUsed is the fuel the command used.
	FuelUsed uint64
	// Replayed says that the shard had run a command with the same
	// idempotency key before, at Index, and returned that command's
	// result without running this one.
	Replayed bool
	// IdempotencyKey is the key the command was sent with, generated
	// unless given; "" for a command sent without one.
	IdempotencyKey string
}

// ProposeOption configures one [Client.Propose].
type ProposeOption func(*proposeConfig)

type proposeConfig struct {
	key   string
	noKey bool
}

// WithIdempotencyKey sends the command with key (up to 255 bytes) instead
// of a generated one: the shard runs the command at most once however
// often a command with that key is sent, for its idempotency window, and
// answers the repeats with the first result. Give one to make a command
// exactly once across retries of your own (a serverless function that is
// run again, say).
func WithIdempotencyKey(key string) ProposeOption {
	return func(c *proposeConfig) { c.key = key }
}

// WithoutIdempotencyKey sends the command without a key: a command whose
// outcome is unknown is then never sent again, and the call fails with
// [AppliedUnknown]. Use it for a command that must not cost the shard a
// key, or that is harmless to repeat and retried by the caller.
func WithoutIdempotencyKey() ProposeOption {
	return func(c *proposeConfig) { c.noKey = true }
}

// newKey returns an idempotency key: the time in Unix milliseconds (12
// hex digits), then 130 random bits (crypto/rand.Text, 26 base32
// digits). Keys that rise with time cost a shard less to look up and
// keep than random ones (docs/api.md, "Idempotency keys"); the random
// part keeps them unique and unguessable.
func newKey() string { return fmt.Sprintf("%012x", time.Now().UnixMilli()) + rand.Text() }

// Propose sends a command to the module of the shard named shard, waits
// until a majority has committed it and it has been applied, and returns
// the module's result. It is linearizable, and exactly once: see the
// package documentation for its idempotency key and its retries. A
// failure is an [*Error] that says whether the command was applied.
func (c *Client) Propose(ctx context.Context, shard string, command []byte, opts ...ProposeOption) (*ProposeResult, error) {
	var pc proposeConfig
	for _, o := range opts {
		o(&pc)
	}
	if pc.noKey && pc.key != "" {
		return nil, fmt.Errorf("synod: propose to %s: WithIdempotencyKey and WithoutIdempotencyKey both given", shard)
	}
	if !pc.noKey && pc.key == "" {
		pc.key = newKey()
	}
	res, err := call(ctx, c, "propose to "+shard, pc.key != "", c.data.Propose,
		&synodv1.ProposeRequest{Shard: shard, Command: command, IdempotencyKey: pc.key, Namespace: c.namespace})
	if err != nil {
		return nil, err
	}
	return &ProposeResult{Result: res.GetResult(), Index: res.GetIndex(), FuelUsed: res.GetFuelUsed(), Replayed: res.GetReplayed(), IdempotencyKey: pc.key}, nil
}
