package gateway

import (
	"context"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// clusterService implements synod.v1.ClusterService.
type clusterService struct{ g *Gateway }

func (s *clusterService) GetStatus(ctx context.Context, _ *connect.Request[synodv1.GetStatusRequest]) (*connect.Response[synodv1.GetStatusResponse], error) {
	shards, hosts, err := s.g.shardsAndHosts(ctx)
	if err != nil {
		return nil, err
	}
	out := &synodv1.GetStatusResponse{}
	byID := make(map[uint64]*synodv1.HostStatus, len(hosts))
	for _, hi := range hosts {
		st := &synodv1.HostStatus{Id: hi.ID, Name: hi.Name, RaftAddress: hi.RaftAddr, ApiAddress: hi.APIAddr}
		if h, ok := s.g.router.host(hi.ID); ok {
			// Every host runs a meta replica: one that answers for it is up.
			_, st.Reachable = h.AppliedIndex(meta.ShardID)
		}
		byID[hi.ID] = st
		out.Hosts = append(out.Hosts, st)
	}
	for _, sh := range shards {
		st := s.g.shardStatus(sh)
		for _, r := range st.GetReplicas() {
			if hs, ok := byID[r.GetHostId()]; ok {
				hs.Replicas++
				if r.GetReplicaId() == st.GetLeaderReplicaId() {
					hs.Leaders++
				}
			}
		}
		out.Shards = append(out.Shards, st)
	}
	return connect.NewResponse(out), nil
}

// shardStatus asks each replica's host what it knows of a shard.
func (g *Gateway) shardStatus(sh host.ShardInfo) *synodv1.ShardStatus {
	st := &synodv1.ShardStatus{Name: sh.Name, Id: sh.ID}
	var newest uint64
	for _, rep := range sh.Replicas {
		rs := &synodv1.ReplicaStatus{ReplicaId: rep.ReplicaID, HostId: rep.HostID}
		if h, ok := g.router.host(rep.HostID); ok {
			rs.AppliedIndex, rs.Reachable = h.AppliedIndex(sh.ID)
			if lid, ok := h.Leader(sh.ID); ok && st.LeaderReplicaId == 0 {
				st.LeaderReplicaId = lid
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
