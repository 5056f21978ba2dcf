package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/outcome"
)

// coalescer sends the calls of one kind (Proposes, or queries at one
// consistency) that reach one shard through one host at the same time
// together: up to maxFlights calls to the shard are in flight at once,
// and a call that finds them all taken waits in the shard's queue, which
// the first call to return sends as one batch. A batch's calls succeed or
// fail each on its own, and each caller gets its own call's result.
//
// For Proposes this is group commit: a batch (not atomic) costs one call
// to the host, one Raft entry and one state commit, where its commands
// alone would cost one each; its commands share its log index and
// timestamp, and each still has its own fuel, limits, idempotency key and
// random stream. A batch of queries costs one call to the host, and a
// linearizable one a single read index, confirmed after every query in it
// was sent.
//
// A call that finds a flight free goes at once, alone, with its own
// context: under light load nothing waits.
type coalescer[In any] struct {
	mu    sync.Mutex
	lanes map[laneKey]*lane[In]
	// size is the bytes a call adds to a batch; batchable reports
	// whether the host takes it in one (a call it would refuse there
	// could fail the batch's other calls: it goes alone).
	size      func(In) int
	batchable func(In) bool
	// one sends a call alone; many sends a batch, and returns each
	// call's result and failure, in order, or the batch's failure.
	one  func(ctx context.Context, h Host, shardID uint64, in In) (host.Result, error)
	many func(ctx context.Context, h Host, shardID uint64, ins []In) ([]host.Result, []error, error)
}

// laneKey names the calls to one shard through one host.
type laneKey struct{ host, shard uint64 }

// lane is what a coalescer keeps for one shard and host while calls to it
// are in flight.
type lane[In any] struct {
	flying int         // calls in flight: lone calls or batches
	queue  []*call[In] // calls waiting for a flight, oldest first
}

// call is one call in a lane, answered when done is closed.
type call[In any] struct {
	in       In
	deadline time.Time // zero: none
	done     chan struct{}
	res      host.Result
	err      error
}

const (
	// maxFlights bounds the calls in flight per shard and host: enough
	// to keep Raft's pipeline busy, few enough that concurrent calls
	// queue and go in batches.
	maxFlights = 4
	// maxQueued bounds a lane's queue: the calls past it go alone.
	maxQueued = 4 * host.MaxBatchCommands
)

// newProposals returns the coalescer of Proposes: batches go as
// ProposeBatch, not atomic.
func newProposals() *coalescer[host.Command] {
	return &coalescer[host.Command]{
		lanes: make(map[laneKey]*lane[host.Command]),
		size:  func(cmd host.Command) int { return len(cmd.Payload) + len(cmd.IdempotencyKey) },
		batchable: func(cmd host.Command) bool {
			return len(cmd.IdempotencyKey) <= host.MaxIdempotencyKeyBytes && len(cmd.Payload)+len(cmd.IdempotencyKey) <= host.MaxPayloadBytes
		},
		one: func(ctx context.Context, h Host, shardID uint64, cmd host.Command) (host.Result, error) {
			return h.Propose(ctx, shardID, cmd)
		},
		many: func(ctx context.Context, h Host, shardID uint64, cmds []host.Command) ([]host.Result, []error, error) {
			res, err := h.ProposeBatch(ctx, shardID, false, cmds)
			return res.Results, res.Errs, err
		},
	}
}

// newQueries returns the coalescer of queries at consistency c
// (host.Linearizable or host.Stale): batches go as QueryBatch.
func newQueries(c host.Consistency) *coalescer[[]byte] {
	return &coalescer[[]byte]{
		lanes:     make(map[laneKey]*lane[[]byte]),
		size:      func(payload []byte) int { return len(payload) },
		batchable: func(payload []byte) bool { return len(payload) <= host.MaxPayloadBytes },
		one: func(ctx context.Context, h Host, shardID uint64, payload []byte) (host.Result, error) {
			return h.Query(ctx, shardID, host.Read{Payload: payload, Consistency: c})
		},
		many: func(ctx context.Context, h Host, shardID uint64, payloads [][]byte) ([]host.Result, []error, error) {
			return h.QueryBatch(ctx, shardID, c, payloads)
		},
	}
}

// do runs in on a shard through h, alone or in a batch with the calls
// that reach the same shard and host at the same time.
func (c *coalescer[In]) do(ctx context.Context, h Host, shardID uint64, in In) (host.Result, error) {
	if !c.batchable(in) {
		// It would fail the whole batch: alone, it fails with its own
		// error.
		return c.one(ctx, h, shardID, in)
	}
	p := &call[In]{in: in, done: make(chan struct{})}
	p.deadline, _ = ctx.Deadline()
	key := laneKey{h.ID(), shardID}
	c.mu.Lock()
	l := c.lanes[key]
	if l == nil {
		l = &lane[In]{}
		c.lanes[key] = l
	}
	if len(l.queue) >= maxQueued {
		// The queue is as long as a lane keeps: this one goes alone, as
		// every call did before coalescing.
		c.mu.Unlock()
		return c.one(ctx, h, shardID, in)
	}
	l.queue = append(l.queue, p)
	var batch []*call[In]
	if l.flying < maxFlights {
		l.flying++
		batch = c.take(l)
	}
	c.mu.Unlock()
	switch {
	case len(batch) == 1 && batch[0] == p:
		return c.lone(ctx, h, key, in)
	case batch != nil:
		// Others queued first: the batch goes on its own goroutine, so
		// that this caller can still give up at its own deadline.
		go c.fly(h, key, batch)
	}
	select {
	case <-p.done:
		return p.res, p.err
	case <-ctx.Done():
		if c.withdraw(key, p) {
			return host.Result{}, outcome.WithApplied(fmt.Errorf("shard %d: %w", shardID, ctx.Err()), outcome.AppliedNo)
		}
		select {
		case <-p.done: // answered as the context ended: the answer stands
			return p.res, p.err
		default:
			return host.Result{}, fmt.Errorf("shard %d: %w", shardID, ctx.Err())
		}
	}
}

// lone sends in, whose call found a flight free and the queue empty,
// alone with its caller's context, and then sends what queued meanwhile.
func (c *coalescer[In]) lone(ctx context.Context, h Host, key laneKey, in In) (host.Result, error) {
	defer func() {
		if next := c.next(key); next != nil {
			go c.fly(h, key, next)
		}
	}()
	return c.one(ctx, h, key.shard, in)
}

// take removes from the lane's queue, and returns, the oldest calls that
// fit in one batch.
func (c *coalescer[In]) take(l *lane[In]) []*call[In] {
	n, size := 0, 0
	for n < len(l.queue) && n < host.MaxBatchCommands {
		size += c.size(l.queue[n].in)
		if n > 0 && size > host.MaxPayloadBytes {
			break
		}
		n++
	}
	batch := slices.Clone(l.queue[:n])
	l.queue = slices.Delete(l.queue, 0, n)
	return batch
}

// next ends a flight on the lane key: it returns the batch the flight
// takes next, or nil if the queue is empty, the flight then landed.
func (c *coalescer[In]) next(key laneKey) []*call[In] {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lanes[key]
	if len(l.queue) > 0 {
		return c.take(l)
	}
	l.flying--
	if l.flying == 0 {
		delete(c.lanes, key)
	}
	return nil
}

// fly sends batches from the lane key until its queue is empty.
func (c *coalescer[In]) fly(h Host, key laneKey, batch []*call[In]) {
	for ; batch != nil; batch = c.next(key) {
		c.send(h, key, batch)
	}
}

// withdraw removes p from its lane's queue, and reports whether it was
// still there: not sent.
func (c *coalescer[In]) withdraw(key laneKey, p *call[In]) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lanes[key]
	if l == nil {
		return false
	}
	i := slices.Index(l.queue, p)
	if i < 0 {
		return false
	}
	l.queue = slices.Delete(l.queue, i, i+1)
	return true
}

// send sends a batch of calls through h, within the earliest of their
// deadlines, and answers each, whatever the host's answer: one that does
// not fit the batch is every caller's internal error.
func (c *coalescer[In]) send(h Host, key laneKey, batch []*call[In]) {
	var results []host.Result
	var errs []error
	var deadline time.Time
	var err error
	defer func() {
		if err == nil && (len(results) != len(batch) || len(errs) != len(batch)) {
			err = outcome.Errorf(outcome.Internal, outcome.AppliedUnknown, "shard %d: a batch of %d calls answered with %d results", key.shard, len(batch), len(results))
		}
		for i, p := range batch {
			if err != nil {
				p.err = err
				if errors.Is(err, context.DeadlineExceeded) && !deadline.IsZero() && (p.deadline.IsZero() || p.deadline.After(deadline)) {
					// Another caller's deadline ended the batch: to
					// this one it is a failure that may pass.
					p.err = outcome.Errorf(outcome.Unavailable, outcome.AppliedUnknown, "shard %d: %w: its batch ended at the deadline of another call in it: %w", key.shard, host.ErrUnavailable, err)
				}
			} else if p.res, p.err = results[i], errs[i]; p.err != nil {
				p.err = outcome.WithFuel(p.err, p.res.Fuel)
			}
			close(p.done)
		}
	}()
	ctx, cancel := batchContext(batch)
	defer cancel()
	deadline, _ = ctx.Deadline()
	if len(batch) == 1 {
		r, perr := c.one(ctx, h, key.shard, batch[0].in)
		results, errs = []host.Result{r}, []error{perr}
		return
	}
	ins := make([]In, len(batch))
	for i, p := range batch {
		ins[i] = p.in
	}
	results, errs, err = c.many(ctx, h, key.shard, ins)
}

// batchContext returns the context of a batch: the earliest of its
// calls' deadlines, so that the host gives up (on a shard over its fuel
// rate, say) when the first of its callers does, and no command is
// committed long after its caller stopped waiting; none if no call has
// one (the host then sets its own). It is not canceled with any call's:
// the others still wait for the batch.
func batchContext[In any](batch []*call[In]) (context.Context, context.CancelFunc) {
	var earliest time.Time
	for _, p := range batch {
		if !p.deadline.IsZero() && (earliest.IsZero() || p.deadline.Before(earliest)) {
			earliest = p.deadline
		}
	}
	if earliest.IsZero() {
		return context.WithCancel(context.Background())
	}
	return context.WithDeadline(context.Background(), earliest)
}
