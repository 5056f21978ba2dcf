package steer

import (
	"fmt"
	"time"

	"github.com/synodhq/synod/host/meta"
)

// RebalanceAfter is how long a host must have been up before leadership
// moves back to it: long enough that a host that flaps does not drag
// leadership (and the pause each move costs) around with it. It is also
// the age below which a shard counts as new, with no host that failed it
// yet, so that its leadership moves to the preferred replica at once.
const RebalanceAfter = 30 * time.Second

// Input is what [Next] decides from.
type Input struct {
	// Shard is the shard's catalogue entry.
	Shard meta.Shard
	// Hosts are the catalogue's hosts by id.
	Hosts map[uint64]meta.Host
	// Members is the shard's membership as the leader has applied it.
	Members Membership
	// Self is the replica that decides: the shard's leader.
	Self uint64
	// Now is the time, in Unix nanoseconds, to judge host liveness by.
	Now int64
	// Leaving holds the hosts that said they are about to stop: no
	// leadership moves to them.
	Leaving map[uint64]bool
}

// Next returns the next step that brings a user shard, led by in.Self,
// in line with its catalogue entry (see the package doc for the order).
func Next(in Input) Step {
	if st, ok := changeMembers(in); ok {
		return st
	}
	if st, ok := recordLeft(in); ok {
		return st
	}
	if st, ok := waitLearning(in); ok {
		return st
	}
	if st, ok := removeDropped(in); ok {
		return st
	}
	return moveLeadership(in)
}

// changeMembers adds the first catalogue replica that is no member (after
// deleting a member at its address), or promotes the first non-voting one
// that caught up.
func changeMembers(in Input) (Step, bool) {
	s, m := in.Shard, in.Members
	for _, r := range s.Replicas {
		addr := in.Hosts[r.HostID].RaftAddr
		switch {
		case !m.has(r.ReplicaID):
			if stale, ok := m.at(addr); ok {
				why := fmt.Sprintf("replica %d of host %d takes over its address %s", r.ReplicaID, r.HostID, addr)
				return Step{Kind: DeleteReplica, Shard: s.Name, ReplicaID: stale, HostID: hostOf(s, stale), Why: why}, true
			}
			return Step{Kind: AddNonVoting, Shard: s.Name, ReplicaID: r.ReplicaID, HostID: r.HostID, Addr: addr}, true
		case m.isNonVoting(r.ReplicaID) && !r.Learning:
			return Step{Kind: Promote, Shard: s.Name, ReplicaID: r.ReplicaID, HostID: r.HostID, Addr: addr, Why: "caught up"}, true
		}
	}
	return Step{}, false
}

// recordLeft records the first leaving replica that is no longer a member.
func recordLeft(in Input) (Step, bool) {
	for _, r := range in.Shard.Leaving {
		if !in.Members.has(r.ReplicaID) {
			return Step{Kind: RecordLeft, Shard: in.Shard.Name, ReplicaID: r.ReplicaID, HostID: r.HostID}, true
		}
	}
	return Step{}, false
}

// waitLearning holds removals and leadership moves back while a replica
// is learning.
func waitLearning(in Input) (Step, bool) {
	for _, r := range in.Shard.Replicas {
		if r.Learning {
			why := fmt.Sprintf("replica %d of host %d is learning", r.ReplicaID, r.HostID)
			return Step{Kind: Wait, Shard: in.Shard.Name, Why: why}, true
		}
	}
	return Step{}, false
}

// removeDropped deletes the member with the lowest id that the catalogue
// no longer lists; if that is the deciding leader, it hands leadership over
// instead.
func removeDropped(in Input) (Step, bool) {
	s := in.Shard
	for _, id := range in.Members.ids() {
		if _, ok := s.Replica(id); ok {
			continue
		}
		if id != in.Self {
			return Step{Kind: DeleteReplica, Shard: s.Name, ReplicaID: id, HostID: hostOf(s, id), Why: "not in the catalogue"}, true
		}
		to := s.Leader
		if _, ok := s.Replica(to); !ok {
			if len(s.Replicas) == 0 {
				return Step{Kind: Wait, Shard: s.Name, Why: "no replica to hand leadership to"}, true
			}
			to = s.Replicas[0].ReplicaID
		}
		return Step{Kind: TransferLeader, Shard: s.Name, ReplicaID: to, HostID: s.HostOf(to), Why: "this leader is leaving"}, true
	}
	return Step{}, false
}

// moveLeadership hands leadership to the preferred replica once its host
// can take it: at once for a new shard, else once the host has been up
// for RebalanceAfter; never while the host is leaving.
func moveLeadership(in Input) Step {
	s := in.Shard
	preferred, ok := s.Replica(s.Leader)
	if !ok || s.Leader == in.Self {
		return Step{Kind: Nothing, Shard: s.Name}
	}
	h := in.Hosts[preferred.HostID]
	fresh := in.Now-s.CreateNanos < int64(RebalanceAfter)
	var why string
	switch {
	case in.Leaving[preferred.HostID]:
		return Step{Kind: Nothing, Shard: s.Name}
	case fresh && h.Alive(in.Now):
		why = "preferred leader of a new shard"
	case h.UpFor(in.Now, RebalanceAfter):
		why = fmt.Sprintf("preferred leader, its host up for %s", RebalanceAfter)
	default:
		return Step{Kind: Nothing, Shard: s.Name}
	}
	return Step{Kind: TransferLeader, Shard: s.Name, ReplicaID: s.Leader, HostID: preferred.HostID, Why: why}
}

// hostOf returns the host of a replica or leaving replica, or 0.
func hostOf(s meta.Shard, replicaID uint64) uint64 {
	if id := s.HostOf(replicaID); id != 0 {
		return id
	}
	for _, r := range s.Leaving {
		if r.ReplicaID == replicaID {
			return r.HostID
		}
	}
	return 0
}
