package host

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/synodhq/synod/internal/outcome"
)

// defaultShardFuelRate is how fast each shard may burn fuel on a host, on
// average, unless [Config.ShardFuelRate] says otherwise. Every replica
// runs every command, so a shard whose commands burn their whole budget
// takes CPU from every other shard of its hosts; the rate bounds that
// share. Fuel is calibrated to time (1 to 4 fuel per nanosecond on the
// reference machine, docs/benchmarks.md), so 3e8 fuel a second is 75 to
// 300 ms of CPU a second per replica, what some 15,000 puts or 12,500
// gets a second of the kv example burn: a shard that loops gets no more
// CPU than a busy well-behaved one.
const defaultShardFuelRate = 3e8

// fuelBurstSeconds is how much fuel a shard can use at once after a quiet
// spell, in seconds of its rate: a fifth of a second's worth, so that a
// burst cannot double a shard's share for long.
const fuelBurstSeconds = 0.2

// maxFuelWait bounds how long a call waits on its shard's bucket, however
// deep in debt a tiny rate and a long line have put it, so that the wait
// stays a valid duration.
const maxFuelWait = time.Hour

// throttle keeps a fuel bucket per shard for the calls this host admits:
// proposals to shards it leads, and queries. A call is admitted while its
// shard's bucket is not empty, taking its shard's average fuel per call
// on admission; the difference is charged when it returns. When the bucket
// is empty, a call takes its place in line: it takes its fuel at once and
// waits, on one timer, until the bucket has refilled to pay for the calls
// before it, or fails at once with [ErrOverFuelRate] if that would be past
// its deadline. Waiting calls are admitted in the order they came, and a
// shard held at its rate costs its host one wake-up per call.
type throttle struct {
	rate  float64 // fuel a second
	burst float64 // fuel

	mu      sync.Mutex
	buckets map[uint64]*bucket
}

type bucket struct {
	tokens  float64
	last    time.Time
	average float64 // fuel per call, moving average
}

// averageWeight is the weight of the newest call in bucket.average.
const averageWeight = 0.1

// newThrottle returns a throttle that lets each shard burn rate fuel a
// second.
func newThrottle(rate uint64) *throttle {
	r := float64(rate)
	return &throttle{rate: r, burst: r * fuelBurstSeconds, buckets: make(map[uint64]*bucket)}
}

// admit waits until a call to the shard may run and returns the fuel it
// reserved, for charge.
func (t *throttle) admit(ctx context.Context, shardID uint64) (float64, error) {
	t.mu.Lock()
	b := t.buckets[shardID]
	now := time.Now()
	if b == nil {
		b = &bucket{tokens: t.burst, last: now}
		t.buckets[shardID] = b
	}
	b.tokens = min(t.burst, b.tokens+now.Sub(b.last).Seconds()*t.rate)
	b.last = now
	wait := time.Duration(min(max(0, -b.tokens)/t.rate, maxFuelWait.Seconds()) * float64(time.Second))
	if deadline, ok := ctx.Deadline(); ok && wait > 0 && deadline.Sub(now) < wait {
		t.mu.Unlock()
		return 0, fmt.Errorf("shard %d: %w of %.0f per second: retry in %s", shardID, ErrOverFuelRate, t.rate, wait.Round(time.Millisecond))
	}
	reserved := b.average
	b.tokens -= reserved
	t.mu.Unlock()
	if wait == 0 {
		return reserved, nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return reserved, nil
	case <-ctx.Done():
		t.refund(shardID, reserved)
		return 0, outcome.WithApplied(fmt.Errorf("shard %d: %w", shardID, ctx.Err()), outcome.AppliedNo)
	}
}

// charge charges a call that reserved fuel with what it used.
func (t *throttle) charge(shardID uint64, reserved float64, used uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[shardID]
	if b == nil {
		return
	}
	b.tokens += reserved - float64(used)
	b.average += averageWeight * (float64(used) - b.average)
}

// refund gives back the fuel a call reserved and did not use, having
// given up waiting.
func (t *throttle) refund(shardID uint64, reserved float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b := t.buckets[shardID]; b != nil {
		b.tokens += reserved
	}
}

// forget drops a shard's bucket, when this host stops its replica.
func (t *throttle) forget(shardID uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.buckets, shardID)
}
