package gateway

import (
	"context"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// checkWait bounds how long CheckShard waits for replicas to apply the
// verify entry.
const checkWait = 10 * time.Second

// Verdicts of CheckShard.
const (
	verdictOK          = "ok"
	verdictDiverged    = "diverged"
	verdictUnknown     = "unknown"
	verdictUnreachable = "unreachable"
)

func (s *shardService) CheckShard(ctx context.Context, req *connect.Request[synodv1.CheckShardRequest]) (*connect.Response[synodv1.CheckShardResponse], error) {
	if req.Msg.GetName() == "" {
		return nil, invalid("shard name is required")
	}
	name := shardName{callerOf(ctx).ns, req.Msg.GetName()}
	res, err := s.g.router.onShard(ctx, name, req.Spec().IdempotencyLevel, s.g.router.leader,
		func(h Host, sh host.ShardInfo) (host.Result, error) {
			index, err := h.Verify(ctx, sh.ID)
			return host.Result{Index: index}, err
		})
	if err != nil {
		return nil, err
	}
	// The replicas as they are now, not as the routing cache last saw them.
	var info host.ShardInfo
	err = s.g.router.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		info, err = catalogueOf(h).GetShard(ctx, name.ns, name.name)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &synodv1.CheckShardResponse{Index: res.Index, Consistent: true}
	waitCtx, cancel := context.WithTimeout(ctx, checkWait)
	defer cancel()
	var wg sync.WaitGroup
	for _, rep := range info.Replicas {
		rc := &synodv1.ReplicaCheck{ReplicaId: rep.ReplicaID, HostId: rep.HostID}
		out.Replicas = append(out.Replicas, rc)
		wg.Go(func() {
			rc.Verdict, rc.DivergedIndex = s.g.awaitVerdict(waitCtx, rep.HostID, info.ID, res.Index)
		})
	}
	wg.Wait()
	for _, rc := range out.Replicas {
		out.Consistent = out.Consistent && rc.Verdict == verdictOK
	}
	return connect.NewResponse(out), nil
}

// awaitVerdict polls a replica until it has judged the verify entry for
// index, or ctx ends. CheckShard awaits every replica at once, so that a
// host that does not answer holds up only its own verdict.
func (g *Gateway) awaitVerdict(ctx context.Context, hostID, shardID, index uint64) (string, uint64) {
	h, ok := g.router.host(hostID)
	if !ok {
		return verdictUnreachable, 0
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	verdict := verdictUnreachable
	for {
		st, err := statusOf(ctx, h, shardID, false)
		ok := err == nil && st.HasReplica
		switch {
		case ok && st.DivergedIndex != 0:
			return verdictDiverged, st.DivergedIndex
		case ok && st.VerifiedIndex >= index:
			return verdictOK, 0
		case ok:
			verdict = verdictUnknown
		}
		select {
		case <-ctx.Done():
			return verdict, 0
		case <-tick.C:
		}
	}
}
