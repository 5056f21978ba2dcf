package steer_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/synodhq/synod/host/internal/steer"
	"github.com/synodhq/synod/host/meta"
)

// now is the time every test decides at; hosts and shards are dated
// relative to it.
const now = int64(1000 * time.Hour)

// addr is the Raft address of host id.
func addr(id uint64) string { return fmt.Sprintf("h%d:1", id) }

// up returns an active host that has heartbeated just now, has been up
// for d and proved itself just now, at its own address.
func up(id uint64, d time.Duration) meta.Host {
	return meta.Host{ID: id, Name: fmt.Sprintf("h%d", id), RaftAddr: addr(id), State: meta.HostActive,
		HeartbeatNanos: now, UpSinceNanos: now - int64(d), ProvenNanos: now}
}

// unproven returns a host that has not proved it runs replicas.
func unproven(h meta.Host) meta.Host {
	h.ProvenNanos = 0
	return h
}

// down returns a host last heard from a minute ago.
func down(id uint64) meta.Host {
	h := up(id, time.Hour)
	h.HeartbeatNanos = now - int64(time.Minute)
	return h
}

// in returns a host in a state other than active.
func in(state meta.HostState, h meta.Host) meta.Host {
	h.State = state
	return h
}

// at returns a host moved to the address of host other.
func at(other uint64, h meta.Host) meta.Host {
	h.RaftAddr = addr(other)
	return h
}

// hosts returns the hosts by id.
func hosts(hs ...meta.Host) map[uint64]meta.Host {
	out := make(map[uint64]meta.Host, len(hs))
	for _, h := range hs {
		out[h.ID] = h
	}
	return out
}

// upHosts returns hosts 1..n, each up for an hour.
func upHosts(n uint64) map[uint64]meta.Host {
	out := make(map[uint64]meta.Host)
	for id := uint64(1); id <= n; id++ {
		out[id] = up(id, time.Hour)
	}
	return out
}

// with returns hs with some hosts replaced or added.
func with(hs map[uint64]meta.Host, more ...meta.Host) map[uint64]meta.Host {
	out := make(map[uint64]meta.Host, len(hs)+len(more))
	for id, h := range hs {
		out[id] = h
	}
	for _, h := range more {
		out[h.ID] = h
	}
	return out
}

// addrs maps each id to the address of the host with the same id.
func addrs(ids ...uint64) map[uint64]string {
	out := make(map[uint64]string, len(ids))
	for _, id := range ids {
		out[id] = addr(id)
	}
	return out
}

// members returns a membership of voters and non-voting members, each at
// the address of the host with its id.
func members(voters []uint64, nonVoting ...uint64) steer.Membership {
	return steer.Membership{Voters: addrs(voters...), NonVoting: addrs(nonVoting...)}
}

// ids is shorthand for a list of replica or host ids.
func ids(ids ...uint64) []uint64 { return ids }

// model applies steps to a membership and a catalogue entry as the host's
// reconciler and the catalogue would: the reference the sequence tests
// check the decisions against.
type model struct {
	shard meta.Shard
	hosts map[uint64]meta.Host
	m     steer.Membership
	self  uint64
}

// apply takes a step and reports whether the model moved; a Wait moves it
// when a learning replica that is a member catches up.
func (md *model) apply(st steer.Step) bool {
	m := &md.m
	switch st.Kind {
	case steer.AddNonVoting:
		m.NonVoting[st.ReplicaID] = st.Addr
	case steer.Promote:
		delete(m.NonVoting, st.ReplicaID)
		m.Voters[st.ReplicaID] = st.Addr
	case steer.DeleteReplica:
		delete(m.Voters, st.ReplicaID)
		delete(m.NonVoting, st.ReplicaID)
	case steer.RecordLeft:
		md.shard.Leaving = slices.DeleteFunc(slices.Clone(md.shard.Leaving), func(r meta.Replica) bool { return r.ReplicaID == st.ReplicaID })
	case steer.TransferLeader:
		md.self = st.ReplicaID
	case steer.Wait:
		return md.catchUp()
	default:
		return false
	}
	m.ConfigChangeID++
	return true
}

// catchUp reports every learning replica that is a member as caught up,
// as its host would.
func (md *model) catchUp() bool {
	moved := false
	md.shard.Replicas = slices.Clone(md.shard.Replicas)
	for i, r := range md.shard.Replicas {
		_, nv := md.m.NonVoting[r.ReplicaID]
		_, v := md.m.Voters[r.ReplicaID]
		if r.Learning && (nv || v) {
			md.shard.Replicas[i].Learning = false
			moved = true
		}
	}
	return moved
}
