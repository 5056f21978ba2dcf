package steer

import (
	"fmt"
	"maps"
	"slices"

	"github.com/synodhq/synod/host/meta"
)

// MetaVoters is how many voters the meta shard should have with the given
// number of hosts able to hold one: 5 once there are 5, else up to 3. A
// cluster bootstraps its meta shard with the same rule.
func MetaVoters(hosts int) int {
	if hosts >= 5 {
		return 5
	}
	return min(hosts, 3)
}

// MetaInput is what [NextMeta] decides from.
type MetaInput struct {
	// Hosts are the catalogue's hosts by id.
	Hosts map[uint64]meta.Host
	// Initial are the hosts of the initial cluster, id to Raft address:
	// those not in Hosts yet have not registered, and join the meta shard
	// before they can.
	Initial map[uint64]string
	// Members is the meta shard's membership as the leader has applied it.
	Members Membership
	// Self is the deciding host, the meta shard's leader.
	Self uint64
	// Now is the time, in Unix nanoseconds, to judge host liveness by.
	Now int64
}

// NextMeta returns the next step that brings the meta shard, led by
// in.Self, in line with the hosts (see the package doc for the order).
func NextMeta(in MetaInput) Step {
	hosts := withInitial(in.Hosts, in.Initial)
	ids := slices.Sorted(maps.Keys(hosts))
	if st, ok := addMeta(hosts, ids, in.Members); ok {
		return st
	}
	if st := removeMeta(hosts, in.Members, in.Self); st.Kind != Nothing {
		return st
	}
	if st, ok := promoteMeta(hosts, ids, in.Members, in.Now); ok {
		return st
	}
	return Step{Kind: Nothing, Shard: "meta"}
}

// withInitial returns the hosts with the unregistered hosts of the initial
// cluster added as joining.
func withInitial(hosts map[uint64]meta.Host, initial map[uint64]string) map[uint64]meta.Host {
	out := maps.Clone(hosts)
	if out == nil {
		out = make(map[uint64]meta.Host, len(initial))
	}
	for id, addr := range initial {
		if _, ok := out[id]; !ok {
			out[id] = meta.Host{ID: id, Name: fmt.Sprintf("host %d", id), RaftAddr: addr, State: meta.HostJoining}
		}
	}
	return out
}

// addMeta adds the host with the lowest id that is not removed and has no
// member, unless another member holds its address.
func addMeta(hosts map[uint64]meta.Host, ids []uint64, m Membership) (Step, bool) {
	for _, id := range ids {
		h := hosts[id]
		if h.State == meta.HostRemoved || m.has(id) {
			continue
		}
		if _, taken := m.at(h.RaftAddr); taken {
			// The host replaces a removed one at the same address: it
			// waits until removeMeta has deleted the old member.
			continue
		}
		return Step{Kind: AddNonVoting, Shard: "meta", ReplicaID: id, HostID: id, Addr: h.RaftAddr}, true
	}
	return Step{}, false
}

// promoteMeta promotes the non-voting member of the placeable, proven host
// with the lowest id while the shard has fewer voters than it should: a
// voter counts towards the catalogue's quorum, so only a host whose Raft
// replica has shown it answers (see meta.Host.Proven) becomes one.
func promoteMeta(hosts map[uint64]meta.Host, ids []uint64, m Membership, now int64) (Step, bool) {
	voters, eligible := 0, 0
	for _, id := range ids {
		h := hosts[id]
		if h.State == meta.HostRemoved || !m.has(id) {
			continue
		}
		if m.isVoter(id) {
			voters++
		}
		if m.isVoter(id) || h.Placeable(now) && h.Proven(now) {
			eligible++
		}
	}
	want := MetaVoters(eligible)
	if voters >= want {
		return Step{}, false
	}
	for _, id := range ids {
		if h := hosts[id]; m.isNonVoting(id) && h.Placeable(now) && h.Proven(now) {
			why := fmt.Sprintf("%d voters, %d wanted", voters, want)
			return Step{Kind: Promote, Shard: "meta", ReplicaID: id, HostID: id, Addr: h.RaftAddr, Why: why}, true
		}
	}
	return Step{}, false
}

// removeMeta deletes the member of a removed host with the lowest id; if
// that is the deciding leader, it hands leadership to another voter
// instead. A member with no host in the catalogue is a host of the initial
// cluster that has not registered yet, and stays.
func removeMeta(hosts map[uint64]meta.Host, m Membership, self uint64) Step {
	for _, id := range m.ids() {
		if h, ok := hosts[id]; !ok || h.State != meta.HostRemoved {
			continue
		}
		if id == self {
			to := m.otherVoter(self)
			if to == 0 {
				return Step{Kind: Wait, Shard: "meta", Why: "no other voter to hand leadership to"}
			}
			return Step{Kind: TransferLeader, Shard: "meta", ReplicaID: to, HostID: to, Why: "this leader's host is removed"}
		}
		return Step{Kind: DeleteReplica, Shard: "meta", ReplicaID: id, HostID: id, Why: "host removed"}
	}
	return Step{Kind: Nothing, Shard: "meta"}
}
