package gateway

import (
	"context"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// A gateway reads a namespace's quota on the namespace's first call, then
// again in the background when its copy is quotaRefresh old (so a quota
// set with SetQuota applies at every gateway within about that long, and
// at once at the gateway that set it). A failed read keeps the copy and
// is tried again after quotaRetry. Reads are one at a time per namespace.
const (
	quotaRefresh = 10 * time.Second
	quotaRetry   = 2 * time.Second
)

// quotas admits a namespace's calls within its quota of calls and fuel a
// second at this gateway: two token buckets per namespace, each holding
// at most one second's worth. A call takes one request token, and may
// start while the fuel bucket is not empty; the fuel it used is charged
// when it returns, so a bucket may go below zero and the namespace then
// waits until it refills.
type quotas struct {
	load func(ctx context.Context, ns string) (meta.Quota, error)

	mu   sync.Mutex
	nss  map[string]*nsLimits
	keys map[string]*bucket // by key id, for Config.CallsPerKey
}

type nsLimits struct {
	ready    chan struct{} // closed once the first read ends
	err      error         // the first read's failure
	quota    meta.Quota
	loadedAt time.Time // when quota was read, or is due to be read again
	loading  bool      // a background read is in flight
	calls    bucket
	fuel     bucket
}

// bucket is a token bucket that holds at most one second's worth.
type bucket struct {
	tokens float64
	last   time.Time // when tokens was last filled
}

// fill adds the tokens earned at rate a second since the last fill, up to
// a second's worth; a new bucket starts full.
func (b *bucket) fill(now time.Time, rate float64) {
	if b.last.IsZero() {
		b.tokens = rate
	} else {
		b.tokens = min(rate, b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
}

// admit takes a request token of ns, or fails with ResourceExhausted
// naming the quota it is over.
func (q *quotas) admit(ctx context.Context, ns string) error {
	l, err := q.limitsOf(ctx, ns)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	l.calls.fill(now, float64(l.quota.RequestsPerSecond))
	l.fuel.fill(now, float64(l.quota.FuelPerSecond))
	switch {
	case l.calls.tokens < 1:
		return overQuota("namespace %s is over its quota of %d calls a second at this gateway; retry later", ns, l.quota.RequestsPerSecond)
	case l.fuel.tokens <= 0:
		return overQuota("namespace %s is over its quota of %d fuel a second at this gateway; retry later", ns, l.quota.FuelPerSecond)
	}
	l.calls.tokens--
	return nil
}

// admitKey takes a call token from a key's bucket (one of its buckets: id
// names the bucket, what names the calls it counts), which this gateway
// fills at perSecond, or fails with ResourceExhausted.
func (q *quotas) admitKey(id, what string, perSecond int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	b := q.keys[id]
	if b == nil {
		if len(q.keys) >= 2*meta.MaxKeys {
			q.forgetIdleKeys()
		}
		b = &bucket{}
		q.keys[id] = b
	}
	b.fill(time.Now(), float64(perSecond))
	if b.tokens < 1 {
		return overQuota("%s: over the limit of %d a second at this gateway; retry later", what, perSecond)
	}
	b.tokens--
	return nil
}

// forgetIdleKeys drops the buckets of keys not seen for a minute (full
// again by then), so that revoked keys' buckets do not pile up.
func (q *quotas) forgetIdleKeys() {
	for id, b := range q.keys {
		if time.Since(b.last) > time.Minute {
			delete(q.keys, id)
		}
	}
}

// charge takes the fuel a call of ns used.
func (q *quotas) charge(ns string, fuel uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if l := q.nss[ns]; l != nil {
		l.fuel.tokens -= float64(fuel)
	}
}

// forget makes the next call of ns read its quota again, in the
// background.
func (q *quotas) forget(ns string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if l := q.nss[ns]; l != nil && !l.loadedAt.IsZero() {
		l.loadedAt = time.Now().Add(-quotaRefresh)
	}
}

// limitsOf returns a namespace's buckets, reading its quota on first use
// (in the call's path: there is nothing to count under yet) and later in
// the background.
func (q *quotas) limitsOf(ctx context.Context, ns string) (*nsLimits, error) {
	q.mu.Lock()
	l := q.nss[ns]
	first := l == nil
	if first {
		l = &nsLimits{ready: make(chan struct{})}
		q.nss[ns] = l
	}
	if !first && !l.loadedAt.IsZero() && time.Since(l.loadedAt) >= quotaRefresh && !l.loading {
		l.loading = true
		go q.reload(ns, l)
	}
	q.mu.Unlock()
	if first {
		q.firstLoad(ns, l)
	}
	select {
	case <-l.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if l.err != nil {
		return nil, l.err
	}
	return l, nil
}

// firstLoad reads a namespace's quota for the first time; on failure it
// forgets the namespace, so that a later call tries again.
func (q *quotas) firstLoad(ns string, l *nsLimits) {
	ctx, cancel := context.WithTimeout(context.Background(), keysLoadTimeout)
	quota, err := q.load(ctx, ns)
	cancel()
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil {
		l.err = fmt.Errorf("read the quota of namespace %s: %w", ns, err)
		delete(q.nss, ns)
	} else {
		l.quota, l.loadedAt = quota, time.Now()
	}
	close(l.ready)
}

// reload reads a namespace's quota again, keeping the old one if it
// cannot.
func (q *quotas) reload(ns string, l *nsLimits) {
	ctx, cancel := context.WithTimeout(context.Background(), keysLoadTimeout)
	quota, err := q.load(ctx, ns)
	cancel()
	q.mu.Lock()
	defer q.mu.Unlock()
	l.loading = false
	if err != nil {
		l.loadedAt = time.Now().Add(quotaRetry - quotaRefresh)
		return
	}
	l.quota, l.loadedAt = quota, time.Now()
}

// overQuota is the failure of a call refused for its namespace's quota;
// it did nothing.
func overQuota(format string, args ...any) error {
	return outcome.New(outcome.OverLimit, outcome.AppliedNo, outcome.CodeOverQuota, fmt.Sprintf(format, args...))
}

// keyWrites are the calls that write API keys. They name no namespace, so
// no namespace's quota meters them; instead each key other than a cluster
// admin's may make keyWritesPerSecond of them a second at each gateway.
var keyWrites = map[string]bool{
	synodv1connect.KeyServiceCreateKeyProcedure: true,
	synodv1connect.KeyServiceRevokeKeyProcedure: true,
}

const keyWritesPerSecond = 10

// meter is the innermost interceptor: it admits each metered call within
// its namespace's rate quotas (see [caller.metered]), and every call
// within its key's rate (Config.CallsPerKey, and keyWritesPerSecond). Inside deadlines, its
// refusals are mapped like any failure, a refused Propose saying it was
// not applied.
func (g *Gateway) meter() connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			c := callerOf(ctx)
			if c.metered {
				if err := g.quotas.admit(ctx, c.ns); err != nil {
					return nil, err
				}
			}
			if n := g.cfg.CallsPerKey; n > 0 {
				if err := g.quotas.admitKey(c.key.ID, "calls of key "+c.key.ID, n); err != nil {
					return nil, err
				}
			}
			if keyWrites[req.Spec().Procedure] && !c.key.ClusterAdmin {
				// Its own bucket: each such call is a catalogue command,
				// even when refused.
				if err := g.quotas.admitKey(c.key.ID+"/key writes", "keys made or revoked by key "+c.key.ID, keyWritesPerSecond); err != nil {
					return nil, err
				}
			}
			return next(ctx, req)
		}
	}
}
