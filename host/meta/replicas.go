package meta

import (
	"slices"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
)

// changeReplicas runs one of the commands that change where a shard's
// replicas are, or which one leads. The shard's leader then changes the
// Raft membership (or leadership) to match.
func changeReplicas(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	cl, err := loadCluster(c, txn)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(cl.shards, func(s Shard) bool {
		if req.ShardID != 0 {
			return s.ID == req.ShardID
		}
		return s.Namespace == req.Namespace && s.Name == req.Name
	})
	switch {
	case i < 0 && req.ShardID != 0:
		return nil, fail(ErrShardNotFound, "shard %d not found", req.ShardID)
	case i < 0:
		return nil, fail(ErrShardNotFound, "shard %q not found in namespace %s", req.Name, req.Namespace)
	}
	s := &cl.shards[i]
	switch req.Op {
	case OpReplicaCaughtUp:
		for j := range s.Replicas {
			if s.Replicas[j].ReplicaID == req.ReplicaID {
				s.Replicas[j].Learning = false
			}
		}
		return saveShard(txn, *s)
	case OpReplicaLeft:
		s.Leaving = slices.DeleteFunc(s.Leaving, func(r Replica) bool { return r.ReplicaID == req.ReplicaID })
		return saveShard(txn, *s)
	}
	h, err := cl.host(req.HostName)
	if err != nil {
		return nil, err
	}
	switch req.Op {
	case OpAddReplica:
		if !h.Placeable(c.TimeNanos) || !h.Proven(c.TimeNanos) {
			return nil, fail(ErrInvalidArgument, "host %s is %s: new replicas go only on live, active, proven hosts", h.Name, describe(h, c.TimeNanos))
		}
		err = cl.addReplica(s, h.ID)
		s.ReplicaCount = len(s.Replicas)
	case OpRemoveReplica:
		err = removeReplica(cl, s, h)
	case OpMoveReplica:
		err = moveReplica(cl, s, h, req.Target)
	case OpTransferLeader:
		r, j := s.replicaOn(h.ID)
		if j < 0 {
			return nil, fail(ErrReplicaNotFound, "shard %q has no replica on host %s", s.Name, h.Name)
		}
		s.Leader = r.ReplicaID
	}
	if err != nil {
		return nil, err
	}
	return saveShard(txn, *s)
}

func removeReplica(cl *cluster, s *Shard, h Host) error {
	r, j := s.replicaOn(h.ID)
	switch {
	case j < 0:
		return fail(ErrReplicaNotFound, "shard %q has no replica on host %s", s.Name, h.Name)
	case len(s.Replicas) == 1:
		return fail(ErrInvalidArgument, "host %s holds the only replica of shard %q: delete the shard instead", h.Name, s.Name)
	}
	s.drop(j)
	s.ReplicaCount = len(s.Replicas)
	if s.Leader == r.ReplicaID {
		s.Leader = cl.pickLeader(*s)
	}
	return nil
}

func moveReplica(cl *cluster, s *Shard, from Host, targetName string) error {
	to, err := cl.host(targetName)
	if err != nil {
		return err
	}
	if !to.Placeable(cl.now) || !to.Proven(cl.now) {
		return fail(ErrInvalidArgument, "host %s is %s: new replicas go only on live, active, proven hosts", to.Name, describe(to, cl.now))
	}
	if _, j := s.replicaOn(from.ID); j < 0 {
		return fail(ErrReplicaNotFound, "shard %q has no replica on host %s", s.Name, from.Name)
	}
	return cl.moveReplica(s, from.ID, to.ID, true)
}

// describe says why a host takes no new replicas.
func describe(h Host, now int64) string {
	switch {
	case !h.Alive(now):
		return "not alive"
	case h.Placeable(now) && !h.Proven(now):
		return "not proven to run replicas yet"
	}
	return string(h.State)
}
