package gateway

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
)

// quotaRefresh is how long a gateway uses a namespace's quota before it
// reads it again: a quota set with SetQuota applies at every gateway
// within about that long.
const quotaRefresh = 10 * time.Second

// quotas admits a namespace's data-plane calls within its quota of
// requests and fuel a second at this gateway: two token buckets per
// namespace, each holding at most one second's worth. A call takes one
// request token, and may start while the fuel bucket is not empty; the
// fuel it used is charged when it returns, so a bucket may go below zero
// and the namespace then waits until it refills.
type quotas struct {
	load func(ctx context.Context, ns string) (meta.Quota, error)

	mu  sync.Mutex
	nss map[string]*nsLimits
}

type nsLimits struct {
	quota    meta.Quota
	loadedAt time.Time
	requests float64
	fuel     float64
	last     time.Time
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
		return overQuota("namespace %s is over its quota of %d requests a second at this gateway; retry later", ns, l.quota.RequestsPerSecond)
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

// limitsOf returns a namespace's buckets, reading its quota when this
// gateway has none or an old one.
func (q *quotas) limitsOf(ctx context.Context, ns string) (*nsLimits, error) {
	q.mu.Lock()
	l := q.nss[ns]
	q.mu.Unlock()
	if l != nil && time.Since(l.loadedAt) < quotaRefresh {
		return l, nil
	}
	quota, err := q.load(ctx, ns)
	if err != nil {
		if l != nil {
			return l, nil // keep counting under the quota we had
		}
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if l = q.nss[ns]; l == nil {
		now := time.Now()
		l = &nsLimits{requests: float64(quota.RequestsPerSecond), fuel: float64(quota.FuelPerSecond), last: now}
		q.nss[ns] = l
	}
	l.quota, l.loadedAt = quota, time.Now()
	return l, nil
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
