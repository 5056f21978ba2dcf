package gateway

import (
	"cmp"
	"context"
	"encoding/hex"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// clusterService implements synod.v1.ClusterService.
type clusterService struct{ g *Gateway }

func (s *clusterService) GetStatus(ctx context.Context, _ *connect.Request[synodv1.GetStatusRequest]) (*connect.Response[synodv1.GetStatusResponse], error) {
	shards, hosts, err := s.g.shardsAndHosts(ctx, "")
	if err != nil {
		return nil, err
	}
	known := s.g.router.survey(ctx, statusQuestions(shards, hosts))
	out := &synodv1.GetStatusResponse{}
	byID := make(map[uint64]*synodv1.HostStatus, len(hosts))
	now := time.Now().UnixNano()
	for _, hi := range hosts {
		st := &synodv1.HostStatus{Id: hi.ID, Name: hi.Name, RaftAddress: hi.RaftAddr, ApiAddress: hi.APIAddr,
			Alive: hi.Alive(now), Proven: hi.Proven(now), State: string(cmp.Or(hi.State, meta.HostActive))}
		// Every host runs a meta replica: one that answers for it is up.
		if m, ok := known[hi.ID][meta.ShardID]; ok && m.HasReplica {
			st.Reachable = true
			st.MetaRole = map[bool]string{true: "voter", false: "non-voting"}[m.Voting]
		}
		byID[hi.ID] = st
		out.Hosts = append(out.Hosts, st)
	}
	for _, sh := range shards {
		st := shardStatus(sh, known)
		for _, r := range st.GetReplicas() {
			if hs, ok := byID[r.GetHostId()]; ok {
				hs.Replicas++
				if r.GetReplicaId() == st.GetLeaderReplicaId() {
					hs.Leaders++
				}
			}
		}
		for _, r := range sh.Leaving {
			if hs, ok := byID[r.HostID]; ok {
				hs.Leaving++
			}
		}
		out.Shards = append(out.Shards, st)
	}
	for _, hs := range out.Hosts {
		hs.Drained = hs.State == string(meta.HostDraining) && hs.Replicas == 0 && hs.Leaving == 0
	}
	return connect.NewResponse(out), nil
}

// statusQuestions lists, by host id, the shards GetStatus asks each host
// about: the meta shard on every host not removed, and each shard on the
// hosts of its replicas.
func statusQuestions(shards []host.ShardInfo, hosts []host.HostInfo) map[uint64][]uint64 {
	ask := make(map[uint64][]uint64, len(hosts))
	for _, hi := range hosts {
		if hi.State != meta.HostRemoved {
			ask[hi.ID] = append(ask[hi.ID], meta.ShardID)
		}
	}
	return replicaQuestions(shards, ask)
}

// replicaQuestions adds to ask (host id → shard ids; nil makes a new map)
// each shard on the hosts of its replicas, and returns it.
func replicaQuestions(shards []host.ShardInfo, ask map[uint64][]uint64) map[uint64][]uint64 {
	if ask == nil {
		ask = make(map[uint64][]uint64)
	}
	for _, sh := range shards {
		for _, rep := range sh.Replicas {
			ask[rep.HostID] = append(ask[rep.HostID], sh.ID)
		}
	}
	return ask
}

// shardStatus describes a shard from what its replicas' hosts said of it
// (see [router.survey]).
func shardStatus(sh host.ShardInfo, known map[uint64]map[uint64]host.ReplicaStatus) *synodv1.ShardStatus {
	st := &synodv1.ShardStatus{Namespace: sh.Namespace, Name: sh.Name, Id: sh.ID}
	var newest uint64
	for _, rep := range sh.Replicas {
		rs := &synodv1.ReplicaStatus{ReplicaId: rep.ReplicaID, HostId: rep.HostID, Learning: rep.Learning}
		if hs, ok := known[rep.HostID][sh.ID]; ok {
			if hs.HasReplica {
				rs.Reachable = true
				rs.AppliedIndex, rs.VerifiedIndex, rs.DivergedIndex = hs.AppliedIndex, hs.VerifiedIndex, hs.DivergedIndex
				rs.Checksum = hex.EncodeToString(hs.Checksum)
				st.Degraded = st.Degraded || hs.DivergedIndex != 0
			}
			if h := hs.Halted; h != nil {
				rs.HaltedIndex, rs.Halts, rs.RestartUnixMs, rs.HaltReason = h.Index, uint32(h.Times), h.Restart.UnixMilli(), h.Reason
				st.Degraded = true
			}
			if hs.HasLeader && st.LeaderReplicaId == 0 {
				st.LeaderReplicaId = hs.LeaderReplicaID
			}
		}
		newest = max(newest, rs.AppliedIndex)
		st.Replicas = append(st.Replicas, rs)
	}
	for _, rs := range st.Replicas {
		if rs.Reachable {
			rs.Lag = newest - rs.AppliedIndex
		}
	}
	return st
}

func (s *clusterService) AddReplica(ctx context.Context, req *connect.Request[synodv1.AddReplicaRequest]) (*connect.Response[synodv1.AddReplicaResponse], error) {
	shard, err := s.changeReplicas(ctx, meta.OpAddReplica, shardName{callerOf(ctx).ns, req.Msg.GetShard()}, req.Msg.GetHost(), "")
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.AddReplicaResponse{Shard: shard}), nil
}

func (s *clusterService) RemoveReplica(ctx context.Context, req *connect.Request[synodv1.RemoveReplicaRequest]) (*connect.Response[synodv1.RemoveReplicaResponse], error) {
	shard, err := s.changeReplicas(ctx, meta.OpRemoveReplica, shardName{callerOf(ctx).ns, req.Msg.GetShard()}, req.Msg.GetHost(), "")
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.RemoveReplicaResponse{Shard: shard}), nil
}

func (s *clusterService) MoveReplica(ctx context.Context, req *connect.Request[synodv1.MoveReplicaRequest]) (*connect.Response[synodv1.MoveReplicaResponse], error) {
	if req.Msg.GetToHost() == "" {
		return nil, invalid("to_host is required")
	}
	shard, err := s.changeReplicas(ctx, meta.OpMoveReplica, shardName{callerOf(ctx).ns, req.Msg.GetShard()}, req.Msg.GetFromHost(), req.Msg.GetToHost())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.MoveReplicaResponse{Shard: shard}), nil
}

func (s *clusterService) TransferLeader(ctx context.Context, req *connect.Request[synodv1.TransferLeaderRequest]) (*connect.Response[synodv1.TransferLeaderResponse], error) {
	shard, err := s.changeReplicas(ctx, meta.OpTransferLeader, shardName{callerOf(ctx).ns, req.Msg.GetShard()}, req.Msg.GetHost(), "")
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.TransferLeaderResponse{Shard: shard}), nil
}

// changeReplicas runs one replica command through the meta leader and
// describes the shard as the catalogue now places it.
func (s *clusterService) changeReplicas(ctx context.Context, op meta.Op, shard shardName, hostName, target string) (*synodv1.Shard, error) {
	if shard.name == "" || hostName == "" {
		return nil, invalid("shard and host are required")
	}
	var info host.ShardInfo
	err := s.g.router.catalogue(ctx, write, func(h Host) error {
		var err error
		info, err = catalogueOf(h).ChangeReplicas(ctx, op, shard.ns, shard.name, hostName, target)
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
	s.g.router.forgetShard(shard)
	return s.g.describe(ctx, []host.ShardInfo{info}, hosts)[0], nil
}

func (s *clusterService) DrainHost(ctx context.Context, req *connect.Request[synodv1.DrainHostRequest]) (*connect.Response[synodv1.DrainHostResponse], error) {
	if req.Msg.GetHost() == "" {
		return nil, invalid("host is required")
	}
	err := s.g.router.catalogue(ctx, write, func(h Host) error {
		_, err := catalogueOf(h).DrainHost(ctx, req.Msg.GetHost())
		return err
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.DrainHostResponse{}), nil
}

func (s *clusterService) RemoveHost(ctx context.Context, req *connect.Request[synodv1.RemoveHostRequest]) (*connect.Response[synodv1.RemoveHostResponse], error) {
	if req.Msg.GetHost() == "" {
		return nil, invalid("host is required")
	}
	err := s.g.router.catalogue(ctx, write, func(h Host) error {
		return catalogueOf(h).RemoveHost(ctx, req.Msg.GetHost())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.RemoveHostResponse{}), nil
}
