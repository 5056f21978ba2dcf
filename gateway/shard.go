package gateway

import (
	"context"
	"fmt"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// preferredLeaderWait bounds how long CreateShard waits for leadership to
// reach a new shard's preferred replica once some replica leads.
const preferredLeaderWait = 3 * time.Second

// maxLeaderPoll is the longest CreateShard waits between two looks for a
// new shard's leader.
const maxLeaderPoll = 20 * time.Millisecond

// maxShardName is the longest shard name (the catalogue checks the rest
// of the rule).
const maxShardName = 63

// shardService implements synod.v1.ShardService.
type shardService struct{ g *Gateway }

func (s *shardService) CreateShard(ctx context.Context, req *connect.Request[synodv1.CreateShardRequest]) (*connect.Response[synodv1.CreateShardResponse], error) {
	switch n := len(req.Msg.GetName()); {
	case n == 0:
		return nil, invalid("shard name is required")
	case n > maxShardName:
		// Refused here, so that no catalogue entry carries it.
		return nil, invalid("shard name of %d bytes: use 1 to %d lowercase letters, digits and '-', starting with a letter", n, maxShardName)
	}
	if err := checkHash(req.Msg.GetModuleHash()); err != nil {
		return nil, err
	}
	settings := meta.ShardSettings{
		Replicas:    int(req.Msg.GetReplicaCount()),
		Fuel:        req.Msg.GetFuelLimit(),
		WriteBytes:  req.Msg.GetWriteBytesLimit(),
		WriteKeys:   req.Msg.GetWriteKeysLimit(),
		StoredBytes: req.Msg.GetStoredBytesLimit(),
		// Capped so that the conversion cannot overflow; the catalogue
		// refuses what is over its cap.
		IdempotencyWindow: time.Duration(min(req.Msg.GetIdempotencyWindowSeconds(), 1<<32)) * time.Second,
	}
	var info host.ShardInfo
	err := s.g.router.catalogue(ctx, write, func(h Host) error {
		var err error
		info, err = catalogueOf(h).CreateShard(ctx, callerOf(ctx).ns, req.Msg.GetName(), req.Msg.GetModuleHash(), settings)
		return err
	})
	if err != nil {
		return nil, err
	}
	// A read of its own, so that a retried read never repeats the write.
	hosts, err := s.g.listHosts(ctx)
	if err != nil {
		return nil, err
	}
	shard, err := s.waitForLeader(ctx, info, hosts)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.CreateShardResponse{Shard: shard}), nil
}

// waitForLeader polls until a new shard has elected a leader, so that the
// first Propose after CreateShard does not race the election. It waits a
// little longer for leadership to reach the preferred replica (placement
// spreads leaders that way), so that the first Proposes do not race the
// handover either. It asks again after 2 ms, then twice as long each
// time up to maxLeaderPoll: a new shard's preferred replica campaigns as
// soon as it starts, and usually leads some 10 ms after the catalogue
// entry is written.
func (s *shardService) waitForLeader(ctx context.Context, info host.ShardInfo, hosts []host.HostInfo) (*synodv1.Shard, error) {
	ctx, cancel := context.WithTimeout(ctx, s.g.cfg.CreateShardTimeout)
	defer cancel()
	preferredBy := time.Now().Add(preferredLeaderWait)
	pause := 2 * time.Millisecond
	wait := time.NewTimer(pause)
	defer wait.Stop()
	for {
		shard := s.g.describe(ctx, []host.ShardInfo{info}, hosts)[0]
		if l := shard.GetLeaderReplicaId(); l != 0 && (l == info.Leader || info.Leader == 0 || time.Now().After(preferredBy)) {
			return shard, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("shard %q was created but has no leader yet: %w: %w", info.Name, host.ErrUnavailable, ctx.Err())
		case <-wait.C:
		}
		pause = min(2*pause, maxLeaderPoll)
		wait.Reset(pause)
	}
}

func (s *shardService) GetShard(ctx context.Context, req *connect.Request[synodv1.GetShardRequest]) (*connect.Response[synodv1.GetShardResponse], error) {
	if req.Msg.GetName() == "" {
		return nil, invalid("shard name is required")
	}
	var info host.ShardInfo
	var hosts []host.HostInfo
	err := s.g.router.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		c := catalogueOf(h)
		if info, err = c.GetShard(ctx, callerOf(ctx).ns, req.Msg.GetName()); err != nil {
			return err
		}
		hosts, err = c.ListHosts(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.GetShardResponse{Shard: s.g.describe(ctx, []host.ShardInfo{info}, hosts)[0]}), nil
}

func (s *shardService) ListShards(ctx context.Context, _ *connect.Request[synodv1.ListShardsRequest]) (*connect.Response[synodv1.ListShardsResponse], error) {
	shards, hosts, err := s.g.shardsAndHosts(ctx, callerOf(ctx).ns)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.ListShardsResponse{Shards: s.g.describe(ctx, shards, hosts)}), nil
}

func (s *shardService) DeleteShard(ctx context.Context, req *connect.Request[synodv1.DeleteShardRequest]) (*connect.Response[synodv1.DeleteShardResponse], error) {
	if req.Msg.GetName() == "" {
		return nil, invalid("shard name is required")
	}
	err := s.g.router.catalogue(ctx, write, func(h Host) error {
		return catalogueOf(h).DeleteShard(ctx, callerOf(ctx).ns, req.Msg.GetName())
	})
	if err != nil {
		return nil, err
	}
	s.g.router.forgetShard(shardName{callerOf(ctx).ns, req.Msg.GetName()})
	return connect.NewResponse(&synodv1.DeleteShardResponse{}), nil
}

// shardsAndHosts reads the shards of a namespace ("": of every
// namespace) and every host from the catalogue.
func (g *Gateway) shardsAndHosts(ctx context.Context, ns string) ([]host.ShardInfo, []host.HostInfo, error) {
	var shards []host.ShardInfo
	var hosts []host.HostInfo
	err := g.router.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		c := catalogueOf(h)
		if ns == "" {
			shards, err = c.ListAllShards(ctx)
		} else {
			shards, err = c.ListShards(ctx, ns)
		}
		if err != nil {
			return err
		}
		hosts, err = catalogueOf(h).ListHosts(ctx)
		return err
	})
	return shards, hosts, err
}

// listHosts reads every host from the catalogue.
func (g *Gateway) listHosts(ctx context.Context) ([]host.HostInfo, error) {
	var hosts []host.HostInfo
	err := g.router.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		hosts, err = catalogueOf(h).ListHosts(ctx)
		return err
	})
	return hosts, err
}

// describe describes shards as the catalogue places them (hosts names
// their replicas' hosts) with their live status: the leader and applied
// index their replicas' hosts report, every host asked at once (see
// [router.survey]).
func (g *Gateway) describe(ctx context.Context, shards []host.ShardInfo, hosts []host.HostInfo) []*synodv1.Shard {
	known := g.router.survey(ctx, replicaQuestions(shards, nil))
	out := make([]*synodv1.Shard, 0, len(shards))
	for _, sh := range shards {
		d := shardProto(sh, hosts)
		for _, rep := range sh.Replicas {
			st, ok := known[rep.HostID][sh.ID]
			if !ok {
				continue
			}
			if st.HasLeader && d.LeaderReplicaId == 0 {
				d.LeaderReplicaId = st.LeaderReplicaID
			}
			if st.HasReplica && st.AppliedIndex >= d.AppliedIndex {
				d.AppliedIndex, d.StoredBytes = st.AppliedIndex, st.StoredBytes
			}
		}
		out = append(out, d)
	}
	return out
}

func shardProto(s host.ShardInfo, hosts []host.HostInfo) *synodv1.Shard {
	names := make(map[uint64]string, len(hosts))
	for _, h := range hosts {
		names[h.ID] = h.Name
	}
	out := &synodv1.Shard{
		Namespace:    s.Namespace,
		Name:         s.Name,
		Id:           s.ID,
		ModuleHash:   s.Module,
		ReplicaCount: uint32(len(s.Replicas)),
		FuelLimit:    s.FuelLimit(),
	}
	limits := s.Limits()
	out.WriteBytesLimit, out.WriteKeysLimit, out.StoredBytesLimit = limits.WriteBytes, limits.WriteKeys, limits.StoredBytes
	out.IdempotencyWindowSeconds = uint64(s.Idempotency().Window / time.Second)
	for _, r := range s.Replicas {
		out.Replicas = append(out.Replicas, &synodv1.Replica{ReplicaId: r.ReplicaID, HostId: r.HostID, HostName: names[r.HostID]})
	}
	return out
}
