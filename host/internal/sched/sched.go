// Package sched bounds how many heavy guest calls a host runs at once,
// and takes turns between the shards that wait for a turn.
//
// A guest call holds a thread for as long as it runs, so a few calls
// with large fuel budgets could take every core of a host from Raft, the
// HTTP servers and the calls of every other shard. A [Pool] has a fixed
// number of slots; each heavy call runs in one. When slots are short,
// calls wait in one queue per shard, and a freed slot goes to the shard
// whose turn it is (round robin), so a shard with many calls waiting
// does not hold back a shard with one. Light calls, within the default
// fuel budget, never wait: they are what most shards run, and each is
// short.
//
// Whether a call waits, and how long, changes nothing of what it
// computes, so every replica still computes the same.
package sched

import (
	"context"
	"fmt"
	"sync"
)

// Pool runs heavy calls in a bounded number of slots. It is safe for
// concurrent use.
type Pool struct {
	mu   sync.Mutex
	free int
	// turns are the shards with calls waiting, in the order of their
	// next turn; each appears once.
	turns []uint64
	// waiting are each shard's waiting calls, first come first served.
	waiting map[uint64][]chan struct{}
}

// New returns a pool of the given number of slots (at least one).
func New(slots int) *Pool {
	return &Pool{free: max(1, slots), waiting: make(map[uint64][]chan struct{})}
}

// Acquire waits for a slot for a call of a shard, and returns the
// function that frees it, to be called once. It fails with ctx's error
// if ctx ends first.
func (p *Pool) Acquire(ctx context.Context, shardID uint64) (release func(), err error) {
	p.mu.Lock()
	if p.free > 0 && len(p.turns) == 0 {
		p.free--
		p.mu.Unlock()
		return p.release, nil
	}
	ready := make(chan struct{})
	if len(p.waiting[shardID]) == 0 {
		p.turns = append(p.turns, shardID)
	}
	p.waiting[shardID] = append(p.waiting[shardID], ready)
	p.mu.Unlock()

	select {
	case <-ready:
		return p.release, nil
	case <-ctx.Done():
		p.mu.Lock()
		defer p.mu.Unlock()
		select {
		case <-ready: // given a slot as ctx ended: pass it on
			p.handOver()
		default:
			p.forget(shardID, ready)
		}
		return nil, fmt.Errorf("wait for a slot for a heavy call of shard %d: %w", shardID, ctx.Err())
	}
}

// release frees a slot, giving it to the next waiting call if any.
func (p *Pool) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handOver()
}

// handOver gives a free slot to the first call of the shard whose turn it
// is, or keeps it free. The caller holds p.mu.
func (p *Pool) handOver() {
	if len(p.turns) == 0 {
		p.free++
		return
	}
	shardID := p.turns[0]
	p.turns = p.turns[1:]
	q := p.waiting[shardID]
	close(q[0])
	if len(q) == 1 {
		delete(p.waiting, shardID)
		return
	}
	p.waiting[shardID] = q[1:]
	p.turns = append(p.turns, shardID) // its next call waits for its next turn
}

// forget drops a call that stopped waiting. The caller holds p.mu.
func (p *Pool) forget(shardID uint64, ready chan struct{}) {
	q := p.waiting[shardID]
	for i, c := range q {
		if c == ready {
			q = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(q) > 0 {
		p.waiting[shardID] = q
		return
	}
	delete(p.waiting, shardID)
	for i, s := range p.turns {
		if s == shardID {
			p.turns = append(p.turns[:i:i], p.turns[i+1:]...)
			break
		}
	}
}
