package gateway

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
)

// Retry backoff bounds; a retry never outlives the caller's deadline.
const (
	firstBackoff = 10 * time.Millisecond
	maxBackoff   = 500 * time.Millisecond
)

// shardCacheTTL bounds how long a cached shard record is trusted without a
// failure to invalidate it.
const shardCacheTTL = 30 * time.Second

// router finds the host to call for each shard and caches what it learns.
type router struct {
	dir Directory

	mu      sync.Mutex
	shards  map[shardName]cachedShard
	leaders map[uint64]uint64 // shard id → host id
}

type cachedShard struct {
	info    host.ShardInfo
	expires time.Time
}

func newRouter(dir Directory) *router {
	return &router{
		dir:     dir,
		shards:  make(map[shardName]cachedShard),
		leaders: make(map[uint64]uint64),
	}
}

// host returns the host with the given id, if the directory has it.
func (r *router) host(id uint64) (Host, bool) {
	for _, h := range r.dir.Hosts() {
		if h.ID() == id {
			return h, true
		}
	}
	return nil, false
}

// The idempotency levels of the catalogue calls the gateway makes, which
// decide when it retries them (see retryable).
const (
	readOnly = connect.IdempotencyNoSideEffects
	write    = connect.IdempotencyUnknown
)

// catalogue runs fn on the meta shard's leader, or another host when that
// one could not have done anything (or, for a call that is safe to repeat,
// could not answer).
func (r *router) catalogue(ctx context.Context, level connect.IdempotencyLevel, fn func(Host) error) error {
	return retry(ctx, level, func(attempt int) error {
		m := r.metaShard()
		h := r.leader(ctx, m, attempt)
		if h == nil {
			return errNoHost
		}
		err := fn(h)
		if err != nil && retryable(err, level) {
			r.forget(shardName{}, m, err)
		}
		return err
	})
}

// catalogueOf returns the typed catalogue API through h.
func catalogueOf(h Host) meta.Catalogue {
	return meta.Catalogue{Runner: h}
}

// metaShard describes the meta shard: a replica on every host, whose
// replica id is the host id.
func (r *router) metaShard() host.ShardInfo {
	m := host.ShardInfo{ID: meta.ShardID}
	for _, h := range r.dir.Hosts() {
		m.Replicas = append(m.Replicas, meta.Replica{ReplicaID: h.ID(), HostID: h.ID()})
	}
	return m
}

// shardName names a shard as clients do: its namespace, and its name
// there.
type shardName struct{ ns, name string }

// shard returns a shard's catalogue record, cached.
func (r *router) shard(ctx context.Context, name shardName) (host.ShardInfo, error) {
	r.mu.Lock()
	c, ok := r.shards[name]
	r.mu.Unlock()
	if ok && time.Now().Before(c.expires) {
		return c.info, nil
	}
	var info host.ShardInfo
	err := r.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		info, err = catalogueOf(h).GetShard(ctx, name.ns, name.name)
		return err
	})
	if err != nil {
		return host.ShardInfo{}, err
	}
	r.mu.Lock()
	r.shards[name] = cachedShard{info: info, expires: time.Now().Add(shardCacheTTL)}
	r.mu.Unlock()
	return info, nil
}

// leader returns the host that leads a shard, asking the shard's hosts
// (all at once, see [router.askReplicas]) when the cache has no answer; if
// none knows, it picks a replica's host by attempt, so that retries walk
// the replicas. It returns nil if no replica's host is reachable.
func (r *router) leader(ctx context.Context, s host.ShardInfo, attempt int) Host {
	r.mu.Lock()
	id, ok := r.leaders[s.ID]
	r.mu.Unlock()
	if ok && attempt == 0 {
		if h, ok := r.host(id); ok {
			return h
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // the first host that knows is enough
	for a := range r.askReplicas(ctx, s) {
		if a.err != nil || !a.st.HasLeader {
			continue
		}
		lid := a.st.LeaderReplicaID
		if s.HostOf(lid) == 0 && s.ID != meta.ShardID {
			// The leader is a replica the cached record does not list: the
			// shard's replicas moved. Read the record again next attempt.
			r.mu.Lock()
			delete(r.shards, shardName{s.Namespace, s.Name})
			r.mu.Unlock()
			continue
		}
		if lh, ok := r.host(s.HostOf(lid)); ok {
			r.mu.Lock()
			r.leaders[s.ID] = lh.ID()
			r.mu.Unlock()
			return lh
		}
	}
	return r.replica(s, attempt)
}

// replica returns the host of one of a shard's replicas, by attempt, or
// nil if none is reachable.
func (r *router) replica(s host.ShardInfo, attempt int) Host {
	for i := range s.Replicas {
		rep := s.Replicas[(attempt+i)%len(s.Replicas)]
		if h, ok := r.host(rep.HostID); ok {
			return h
		}
	}
	return nil
}

// errNoHost is returned (and retried) when no host that could answer is
// reachable right now.
var errNoHost = outcome.New(outcome.Unavailable, outcome.AppliedNo, 0, "no host that could answer is reachable")

// spread returns the host of a replica chosen at random, so that stale
// reads share the load.
func (r *router) spread(_ context.Context, s host.ShardInfo, attempt int) Host {
	return r.replica(s, attempt+rand.IntN(len(s.Replicas)+1))
}

// forget drops what the router believes about a shard after a failure.
func (r *router) forget(name shardName, s host.ShardInfo, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.leaders, s.ID)
	if outcome.KindOf(err) == outcome.NotReplica {
		delete(r.shards, name)
	}
}

// forgetShard drops a shard's record (after it was deleted).
func (r *router) forgetShard(name shardName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.shards[name]; ok {
		delete(r.leaders, c.info.ID)
	}
	delete(r.shards, name)
}

// onShard runs call against the right host for a shard, retrying where
// safe for a call of the given idempotency level. pick chooses the host
// for an attempt.
func (r *router) onShard(ctx context.Context, name shardName, level connect.IdempotencyLevel,
	pick func(ctx context.Context, s host.ShardInfo, attempt int) Host,
	call func(h Host, s host.ShardInfo) (host.Result, error)) (host.Result, error) {
	var res host.Result
	err := retry(ctx, level, func(attempt int) error {
		s, err := r.shard(ctx, name)
		if err != nil {
			// Nothing was sent to the shard.
			return outcome.WithApplied(err, outcome.AppliedNo)
		}
		h := pick(ctx, s, attempt)
		if h == nil {
			err = errNoHost
		} else if res, err = call(h, s); err != nil {
			r.forget(name, s, err)
		}
		if outcome.KindOf(err) == outcome.Unavailable {
			// The replica could not be reached: fail at once if none can.
			if down := r.allDown(ctx, s, outcome.AppliedOf(err)); down != nil {
				return down
			}
		}
		return err
	})
	return res, err
}

// retryable reports whether a failed call may be sent again: its failure
// may pass (another host, a new leader), and either the call did nothing
// or doing it twice is safe, as the procedure's idempotency level says.
func retryable(err error, level connect.IdempotencyLevel) bool {
	if !outcome.KindOf(err).Transient() {
		return false
	}
	return outcome.AppliedOf(err) == outcome.AppliedNo || level != connect.IdempotencyUnknown
}

// final marks an error that retry returns at once, whatever its kind:
// trying again within the call's deadline cannot mend it.
type final struct{ error }

func (f final) Unwrap() error { return f.error }

// retry runs fn until it succeeds, fails with an error that is not
// retryable (or is [final]), or the context ends; it backs off between
// attempts.
func retry(ctx context.Context, level connect.IdempotencyLevel, fn func(attempt int) error) error {
	backoff := firstBackoff
	for attempt := 0; ; attempt++ {
		err := fn(attempt)
		if err == nil || !retryable(err, level) || errors.As(err, new(final)) {
			return err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up after %d attempts: %w)", err, attempt+1, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}
