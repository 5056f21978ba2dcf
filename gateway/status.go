package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
)

// statusWait bounds how long the gateway waits for one host to say what it
// knows of shards ([Host.Status]), within the caller's deadline. A host
// that has not answered by then counts as unreachable. The gateway asks
// several hosts at once, each under its own statusWait, so one dead host
// costs one statusWait, however many hosts and shards a request asks about.
const statusWait = time.Second

// statusParallel bounds how many status calls the gateway has in flight to
// one host at a time, so that a status of many shards does not flood it.
const statusParallel = 16

// statusOf asks one host what it knows of a shard, within statusWait;
// with wakeQuiesced, for a call looking for the leader (see
// [host.Host.Status]).
func statusOf(ctx context.Context, h Host, shardID uint64, wakeQuiesced bool) (host.ReplicaStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, statusWait)
	defer cancel()
	return h.Status(ctx, shardID, wakeQuiesced)
}

// answer is what one replica's host said of a shard.
type answer struct {
	rep meta.Replica
	st  host.ReplicaStatus
	err error // the host could not be asked
}

// askReplicas asks the hosts of a shard's replicas, concurrently and each
// within statusWait, what they know of the shard. It sends one answer per
// replica whose host is in the directory, as the answers arrive, and then
// closes the channel. The channel holds every answer, so a caller may stop
// reading early; it should then cancel ctx, to end the calls still out.
func (r *router) askReplicas(ctx context.Context, s host.ShardInfo) <-chan answer {
	out := make(chan answer, len(s.Replicas))
	var wg sync.WaitGroup
	for _, rep := range s.Replicas {
		h, ok := r.host(rep.HostID)
		if !ok {
			continue
		}
		wg.Go(func() {
			st, err := statusOf(ctx, h, s.ID, true)
			out <- answer{rep: rep, st: st, err: err}
		})
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// survey asks every host named in shardsOf (host id → shard ids) what it
// knows of those shards: all hosts at once, each within one statusWait for
// all of its shards. It returns the statuses by host id and shard id; a
// host that is not in the directory, or failed to answer any of its
// shards, is missing: it could not be asked.
func (r *router) survey(ctx context.Context, shardsOf map[uint64][]uint64) map[uint64]map[uint64]host.ReplicaStatus {
	var mu sync.Mutex
	out := make(map[uint64]map[uint64]host.ReplicaStatus, len(shardsOf))
	var wg sync.WaitGroup
	for id, shards := range shardsOf {
		h, ok := r.host(id)
		if !ok {
			continue
		}
		wg.Go(func() {
			sts, ok := askHost(ctx, h, shards)
			if ok {
				mu.Lock()
				out[id] = sts
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// askHost asks one host what it knows of several shards, statusParallel
// at a time and all within one statusWait. ok is set when the host
// answered for every shard; the first call that fails cancels the others,
// since the host could not be asked.
func askHost(ctx context.Context, h Host, shardIDs []uint64) (_ map[uint64]host.ReplicaStatus, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, statusWait)
	defer cancel()
	var mu sync.Mutex
	out := make(map[uint64]host.ReplicaStatus, len(shardIDs))
	failed := false
	fail := func() {
		mu.Lock()
		failed = true
		mu.Unlock()
		cancel()
	}
	slots := make(chan struct{}, statusParallel)
	var wg sync.WaitGroup
	for _, id := range shardIDs {
		slots <- struct{}{}
		if ctx.Err() != nil {
			fail()
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			st, err := h.Status(ctx, id, false)
			if err != nil {
				fail()
				return
			}
			mu.Lock()
			out[id] = st
			mu.Unlock()
		})
	}
	wg.Wait()
	return out, !failed
}
