package gateway

import (
	"context"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
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

	mu  sync.Mutex
	nss map[string]*nsLimits
}

type nsLimits struct {
	ready    chan struct{} // closed once the first read ends
	err      error         // the first read's failure
	quota    meta.Quota
	loadedAt time.Time // when quota was read, or is due to be read again
	loading  bool      // a background read is in flight
	requests float64
	fuel     float64
	last     time.Time // when the buckets were last filled
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
	l.refill(time.Now())
	switch {
	case l.requests < 1:
		return overQuota("namespace %s is over its quota of %d calls a second at this gateway; retry later", ns, l.quota.RequestsPerSecond)
	case l.fuel <= 0:
		return overQuota("namespace %s is over its quota of %d fuel a second at this gateway; retry later", ns, l.quota.FuelPerSecond)
	}
	l.requests--
	return nil
}

// charge takes the fuel a call of ns used.
func (q *quotas) charge(ns string, fuel uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if l := q.nss[ns]; l != nil {
		l.fuel -= float64(fuel)
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
		now := time.Now()
		l.quota, l.loadedAt, l.last = quota, now, now
		l.requests, l.fuel = float64(quota.RequestsPerSecond), float64(quota.FuelPerSecond)
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

// refill adds the tokens earned since the last refill, up to a second's
// worth.
func (l *nsLimits) refill(now time.Time) {
	dt := now.Sub(l.last).Seconds()
	l.last = now
	l.requests = min(float64(l.quota.RequestsPerSecond), l.requests+dt*float64(l.quota.RequestsPerSecond))
	l.fuel = min(float64(l.quota.FuelPerSecond), l.fuel+dt*float64(l.quota.FuelPerSecond))
}

// overQuota is the failure of a call refused for its namespace's quota;
// it did nothing.
func overQuota(format string, args ...any) error {
	return outcome.New(outcome.OverLimit, outcome.AppliedNo, outcome.CodeOverQuota, fmt.Sprintf(format, args...))
}

// meter is the innermost interceptor: it admits each metered call within
// its namespace's rate quotas (see [caller.metered]). Inside deadlines, its
// refusals are mapped like any failure, a refused Propose saying it was
// not applied.
func (g *Gateway) meter() connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if c := callerOf(ctx); c.metered {
				if err := g.quotas.admit(ctx, c.ns); err != nil {
					return nil, err
				}
			}
			return next(ctx, req)
		}
	}
}
