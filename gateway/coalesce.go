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

// coalescer commits the Proposes that reach one shard through one host at
// the same time together, group commit: up to maxFlights calls to the
// shard are in flight at once, and a Propose that finds them all taken
// waits in the shard's queue, which the first call to return sends as one
// batch that is not atomic: its commands succeed or fail each on its
// own, as entries of their own would, and each caller gets its command's
// result. A batch costs one call to the host, one Raft entry and one
// state commit, where its commands alone would cost one each.
//
// A Propose that finds a flight free goes at once, alone, with its own
// context: under light load nothing waits. Commands share their batch's
// log index and timestamp; each still has its own fuel, limits,
// idempotency key and random stream.
type coalescer struct {
	mu    sync.Mutex
	lanes map[laneKey]*lane
}

// laneKey names the proposals to one shard through one host.
type laneKey struct{ host, shard uint64 }

// lane is what a coalescer keeps for one shard and host while calls to it
// are in flight.
type lane struct {
	flying int         // calls in flight: lone proposals or batches
	queue  []*proposal // proposals waiting for a flight, oldest first
}

// proposal is one Propose in a lane, answered when done is closed.
type proposal struct {
	cmd      host.Command
	deadline time.Time // zero: none
	done     chan struct{}
	res      host.Result
	err      error
}

const (
	// maxFlights bounds the calls in flight per shard and host: enough
	// to keep Raft's pipeline busy, few enough that concurrent Proposes
	// queue and go in batches.
	maxFlights = 4
	// maxQueued bounds a lane's queue: the Proposes past it go alone.
	maxQueued = 4 * host.MaxBatchCommands
)

func newCoalescer() *coalescer {
	return &coalescer{lanes: make(map[laneKey]*lane)}
}

// propose commits cmd to a shard through h, alone or in a batch with the
// Proposes that reach the same shard and host at the same time.
func (c *coalescer) propose(ctx context.Context, h Host, shardID uint64, cmd host.Command) (host.Result, error) {
	if !batchable(cmd) {
		// It would fail the whole batch: alone, it fails with its own
		// error.
		return h.Propose(ctx, shardID, cmd)
	}
	p := &proposal{cmd: cmd, done: make(chan struct{})}
	p.deadline, _ = ctx.Deadline()
	key := laneKey{h.ID(), shardID}
	c.mu.Lock()
	l := c.lanes[key]
	if l == nil {
		l = &lane{}
		c.lanes[key] = l
	}
	if len(l.queue) >= maxQueued {
		// The queue is as long as a lane keeps: this one goes alone, as
		// every Propose did before coalescing.
		c.mu.Unlock()
		return h.Propose(ctx, shardID, cmd)
	}
	l.queue = append(l.queue, p)
	var batch []*proposal
	if l.flying < maxFlights {
		l.flying++
		batch = l.take()
	}
	c.mu.Unlock()
	switch {
	case len(batch) == 1 && batch[0] == p:
		return c.lone(ctx, h, key, cmd)
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

// lone sends cmd, whose Propose found a flight free and the queue empty,
// alone with its caller's context, and then sends what queued meanwhile.
func (c *coalescer) lone(ctx context.Context, h Host, key laneKey, cmd host.Command) (host.Result, error) {
	defer func() {
		if next := c.next(key); next != nil {
			go c.fly(h, key, next)
		}
	}()
	return h.Propose(ctx, key.shard, cmd)
}

// batchable reports whether a command may go in a batch: whether the
// host takes it in one, so that it cannot fail the batch's other
// commands.
func batchable(cmd host.Command) bool {
	return len(cmd.IdempotencyKey) <= host.MaxIdempotencyKeyBytes && len(cmd.Payload)+len(cmd.IdempotencyKey) <= host.MaxPayloadBytes
}

// take removes from the queue, and returns, the oldest proposals that fit
// in one batch.
func (l *lane) take() []*proposal {
	n, size := 0, 0
	for n < len(l.queue) && n < host.MaxBatchCommands {
		size += len(l.queue[n].cmd.Payload) + len(l.queue[n].cmd.IdempotencyKey)
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
func (c *coalescer) next(key laneKey) []*proposal {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lanes[key]
	if len(l.queue) > 0 {
		return l.take()
	}
	l.flying--
	if l.flying == 0 {
		delete(c.lanes, key)
	}
	return nil
}

// fly sends batches from the lane key until its queue is empty.
func (c *coalescer) fly(h Host, key laneKey, batch []*proposal) {
	for ; batch != nil; batch = c.next(key) {
		c.send(h, key, batch)
	}
}

// withdraw removes p from its lane's queue, and reports whether it was
// still there: not sent.
func (c *coalescer) withdraw(key laneKey, p *proposal) bool {
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

// send commits a batch of proposals through h, within the earliest of
// their deadlines, and answers each, whatever the host's answer: one that
// does not fit the batch is every caller's internal error.
func (c *coalescer) send(h Host, key laneKey, batch []*proposal) {
	var res host.BatchResult
	var deadline time.Time
	var err error
	defer func() {
		if err == nil && (len(res.Results) != len(batch) || len(res.Errs) != len(batch)) {
			err = outcome.Errorf(outcome.Internal, outcome.AppliedUnknown, "shard %d: a batch of %d commands answered with %d results", key.shard, len(batch), len(res.Results))
		}
		for i, p := range batch {
			if err != nil {
				p.err = err
				if errors.Is(err, context.DeadlineExceeded) && !deadline.IsZero() && (p.deadline.IsZero() || p.deadline.After(deadline)) {
					// Another caller's deadline ended the batch: to
					// this one it is a failure that may pass.
					p.err = outcome.Errorf(outcome.Unavailable, outcome.AppliedUnknown, "shard %d: %w: its batch ended at the deadline of another call in it: %w", key.shard, host.ErrUnavailable, err)
				}
			} else if p.res, p.err = res.Results[i], res.Errs[i]; p.err != nil {
				p.err = outcome.WithFuel(p.err, p.res.Fuel)
			}
			close(p.done)
		}
	}()
	ctx, cancel := batchContext(batch)
	defer cancel()
	deadline, _ = ctx.Deadline()
	if len(batch) == 1 {
		r, perr := h.Propose(ctx, key.shard, batch[0].cmd)
		res, err = host.BatchResult{Results: []host.Result{r}, Errs: []error{perr}}, nil
		return
	}
	cmds := make([]host.Command, len(batch))
	for i, p := range batch {
		cmds[i] = p.cmd
	}
	res, err = h.ProposeBatch(ctx, key.shard, false, cmds)
}

// batchContext returns the context of a batch: the earliest of its
// proposals' deadlines, so that the host gives up (on a shard over its
// fuel rate, say) when the first of its callers does, and no command is
// committed long after its caller stopped waiting; none if no proposal
// has one (the host then sets its own). It is not canceled with any
// proposal's: the others still wait for the batch.
func batchContext(batch []*proposal) (context.Context, context.CancelFunc) {
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
