package meta

import (
	"time"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/access"
)

// ShardID is the Raft shard id of the meta shard.
const ShardID uint64 = 1

// FirstUserShardID is the id of the first user shard; ids below it are kept
// for system shards.
const FirstUserShardID uint64 = 1024

// Module is the catalogue entry of an uploaded module. A module belongs
// to a namespace; the same bytes uploaded to two namespaces are two
// entries over one stored copy.
type Module struct {
	// Namespace is the namespace the module belongs to.
	Namespace string `json:"namespace"`
	// Hash is the hex SHA-256 of the module's bytes.
	Hash string `json:"hash"`
	// Size is the module's size in bytes.
	Size int64 `json:"size"`
	// ABIVersion is the guest ABI version the module speaks.
	ABIVersion uint32 `json:"abi_version"`
	// CreateNanos is when the module was first uploaded (Unix nanoseconds,
	// the meta shard's clock).
	CreateNanos int64 `json:"create_nanos"`
}

// Replica places one member of a shard on a host.
type Replica struct {
	// ReplicaID is the member's id in the shard's Raft group, never reused
	// within the shard.
	ReplicaID uint64 `json:"replica_id"`
	// HostID is the host that runs it.
	HostID uint64 `json:"host_id"`
	// Joined is set for a replica added after the shard was created: it
	// starts empty and joins the running group.
	Joined bool `json:"joined,omitempty"`
	// Learning is set while a joined replica catches up: it runs as a
	// non-voting member until its host reports it caught up, so that it
	// never counts towards a quorum it would slow down.
	Learning bool `json:"learning,omitempty"`
}

// Shard is the catalogue entry of a shard.
type Shard struct {
	// Namespace is the namespace the shard belongs to; its name is unique
	// there.
	Namespace string `json:"namespace"`
	// Name is the shard's user-facing name.
	Name string `json:"name"`
	// ID is the shard's Raft shard id.
	ID uint64 `json:"id"`
	// Module is the hash of the module the shard runs.
	Module string `json:"module"`
	// Replicas are the shard's members as they should be. The shard's
	// leader changes the Raft membership to match.
	Replicas []Replica `json:"replicas"`
	// ReplicaCount is how many replicas the shard should have. It can be
	// short of that for a while after a dead host is removed.
	ReplicaCount int `json:"replica_count,omitempty"`
	// Leaving are replicas dropped from Replicas that may still be members
	// of the Raft group: the leader removes each from the group, and then
	// from this list. Their hosts stop them only then, so that a group
	// never loses a member it still needs for its quorum.
	Leaving []Replica `json:"leaving,omitempty"`
	// Initial are the members the shard was created with, which a replica
	// created with the shard bootstraps from.
	Initial []Replica `json:"initial,omitempty"`
	// NextReplicaID is the id the next added replica gets.
	NextReplicaID uint64 `json:"next_replica_id,omitempty"`
	// Leader is the replica that should lead when it is alive and caught
	// up: placement spreads leaders with it, and a leadership transfer
	// sets it.
	Leader uint64 `json:"leader,omitempty"`
	// CreateNanos is when the shard was created.
	CreateNanos int64 `json:"create_nanos"`
	// Fuel is the fuel budget of each call to the shard; 0 means
	// [wasm.DefaultFuel]. Proposers stamp it on each command, so a change
	// reaches every replica at the same entry.
	Fuel uint64 `json:"fuel,omitempty"`
	// WriteBytes, WriteKeys and StoredBytes are the shard's limits (see
	// [store.Limits]), fixed when it is created, the defaults filled in.
	// Proposers stamp them on each command, as they do the fuel budget.
	WriteBytes  uint64 `json:"write_bytes,omitempty"`
	WriteKeys   uint64 `json:"write_keys,omitempty"`
	StoredBytes uint64 `json:"stored_bytes,omitempty"`
	// IdempotencyWindow is how long the shard keeps the idempotency keys
	// of its commands; 0 means [fsm.DefaultIdempotencyWindow]. Proposers
	// stamp it on each keyed command.
	IdempotencyWindow time.Duration `json:"idempotency_window,omitempty"`
}

// ShardSettings are what a shard is created with; a zero field takes the
// default.
type ShardSettings struct {
	// Replicas is the replica count.
	Replicas int `json:"replicas,omitempty"`
	// Fuel is the fuel budget of each call.
	Fuel uint64 `json:"fuel,omitempty"`
	// WriteBytes bounds the bytes each command writes (see [store.Limits]).
	WriteBytes uint64 `json:"write_bytes,omitempty"`
	// WriteKeys bounds the writes each command makes.
	WriteKeys uint64 `json:"write_keys,omitempty"`
	// StoredBytes bounds the size of the shard's keys and values.
	StoredBytes uint64 `json:"stored_bytes,omitempty"`
	// IdempotencyWindow is how long the shard keeps idempotency keys.
	IdempotencyWindow time.Duration `json:"idempotency_window,omitempty"`
}

// limits returns the write limits the settings ask for.
func (s ShardSettings) limits() store.Limits {
	return store.Limits{WriteBytes: s.WriteBytes, WriteKeys: s.WriteKeys, StoredBytes: s.StoredBytes}
}

// Limits returns the limits of each command to the shard, the defaults
// filled in.
func (s Shard) Limits() store.Limits {
	return store.Limits{WriteBytes: s.WriteBytes, WriteKeys: s.WriteKeys, StoredBytes: s.StoredBytes}.WithDefaults()
}

// Idempotency returns what the shard keeps of its commands' idempotency
// keys, the defaults filled in.
func (s Shard) Idempotency() fsm.Idempotency {
	i := fsm.DefaultIdempotency()
	if s.IdempotencyWindow > 0 {
		i.Window = s.IdempotencyWindow
	}
	return i
}

// FuelLimit returns the shard's fuel budget, the default filled in.
func (s Shard) FuelLimit() uint64 {
	if s.Fuel == 0 {
		return wasm.DefaultFuel
	}
	return s.Fuel
}

// HostOf returns the host of a replica, or 0.
func (s Shard) HostOf(replicaID uint64) uint64 {
	for _, r := range s.Replicas {
		if r.ReplicaID == replicaID {
			return r.HostID
		}
	}
	return 0
}

// ReplicaOn returns the replica a host runs, or 0.
func (s Shard) ReplicaOn(hostID uint64) uint64 {
	r, _ := s.replicaOn(hostID)
	return r.ReplicaID
}

func (s Shard) replicaOn(hostID uint64) (Replica, int) {
	for i, r := range s.Replicas {
		if r.HostID == hostID {
			return r, i
		}
	}
	return Replica{}, -1
}

// Keeps reports whether a host should keep running its replica of the
// shard with the given id: it is placed there, or still leaving.
func (s Shard) Keeps(hostID, replicaID uint64) bool {
	for _, set := range [][]Replica{s.Replicas, s.Leaving} {
		for _, r := range set {
			if r.HostID == hostID && r.ReplicaID == replicaID {
				return true
			}
		}
	}
	return false
}

// Replica returns the replica with the given id.
func (s Shard) Replica(replicaID uint64) (Replica, bool) {
	for _, r := range s.Replicas {
		if r.ReplicaID == replicaID {
			return r, true
		}
	}
	return Replica{}, false
}

// InitialMembers returns the members a replica created with the shard
// bootstraps from.
func (s Shard) InitialMembers() []Replica {
	if s.Initial == nil {
		return s.Replicas
	}
	return s.Initial
}

// CaughtUp reports whether no replica is still learning (catching up as a
// non-voting member).
func (s Shard) CaughtUp() bool {
	for _, r := range s.Replicas {
		if r.Learning {
			return false
		}
	}
	return true
}

// HostState is where a host is in its life in the cluster.
type HostState string

// Host states.
const (
	// HostJoining: admitted by a join, not heard from yet.
	HostJoining HostState = "joining"
	// HostActive: serving, and a candidate for new replicas.
	HostActive HostState = "active"
	// HostDraining: serving, but its replicas are being moved away and it
	// gets no new ones.
	HostDraining HostState = "draining"
	// HostRemoved: gone for good; the entry stays so its id and name are
	// never mistaken for a new host's.
	HostRemoved HostState = "removed"
)

// LivenessTimeout is how long after its last heartbeat a host counts as
// alive. Hosts heartbeat every [HeartbeatInterval].
const LivenessTimeout = 10 * time.Second

// HeartbeatInterval is how often a host records its heartbeat.
const HeartbeatInterval = 2 * time.Second

// Host is the catalogue entry of a host.
type Host struct {
	// ID is the host's id, unique in the cluster.
	ID uint64 `json:"id"`
	// Name is the host's name.
	Name string `json:"name"`
	// RaftAddr is the host's Raft address (host:port).
	RaftAddr string `json:"raft_addr"`
	// APIAddr is the host's internal API address, if it serves one.
	APIAddr string `json:"api_addr,omitempty"`
	// State is the host's state; empty reads as active.
	State HostState `json:"state,omitempty"`
	// HeartbeatNanos is the meta shard's clock at the host's last
	// heartbeat.
	HeartbeatNanos int64 `json:"heartbeat_nanos,omitempty"`
	// UpSinceNanos is when the host's current run of heartbeats began:
	// the first heartbeat after it was last seen dead.
	UpSinceNanos int64 `json:"up_since_nanos,omitempty"`
	// ProvenNanos is the meta shard's clock when the host last answered
	// a proof challenge (see [OpProveHost]): when its meta replica last
	// showed that it replicates the meta leader's log. Only the meta
	// shard sets it, never a host's own report.
	ProvenNanos int64 `json:"proven_nanos,omitempty"`
}

// Alive reports whether the host has heartbeated within
// [LivenessTimeout] of nowNanos and is not removed.
func (h Host) Alive(nowNanos int64) bool {
	return h.State != HostRemoved && nowNanos-h.HeartbeatNanos < int64(LivenessTimeout)
}

// UpFor reports whether the host has been alive for at least d at
// nowNanos: long enough, after a restart, to be given leadership back.
func (h Host) UpFor(nowNanos int64, d time.Duration) bool {
	return h.Alive(nowNanos) && nowNanos-h.UpSinceNanos >= int64(d)
}

// Placeable reports whether new replicas may go on the host at nowNanos.
// A majority of a new shard's replicas, and every replica added to a
// running shard, also need the host to be [Host.Proven].
func (h Host) Placeable(nowNanos int64) bool {
	return (h.State == HostActive || h.State == "") && h.Alive(nowNanos)
}

// ProofTimeout is how long a host's proof lasts: a host counts as proven
// for this long after it last answered a challenge, and only during the
// run of heartbeats in which it answered. The meta leader challenges
// proven hosts again after half of it.
const ProofTimeout = time.Minute

// Proven reports whether the host has shown, during its current run of
// heartbeats and within [ProofTimeout] of nowNanos, that its meta replica
// replicates the meta leader's log: that it is a real host able to run
// replicas, not just a name that heartbeats. A heartbeat never proves a
// host, so a forged one cannot make a host proven, and a host that comes
// back after being seen dead proves itself again.
func (h Host) Proven(nowNanos int64) bool {
	return h.Alive(nowNanos) && h.ProvenNanos != 0 && h.ProvenNanos >= h.UpSinceNanos &&
		nowNanos-h.ProvenNanos < int64(ProofTimeout)
}

// Key is the catalogue entry of an API key. The key's secret is never
// stored, only its SHA-256 (see package access).
type Key struct {
	// ID names the key; it is the public part of its token.
	ID string `json:"id"`
	// Name is a label its maker chose, to tell keys apart.
	Name string `json:"name,omitempty"`
	// SecretHash is the hex SHA-256 of the key's secret.
	SecretHash string `json:"secret_hash"`
	// Grant is what the key may do.
	access.Grant
	// CreateNanos is when the key was made.
	CreateNanos int64 `json:"create_nanos"`
	// CreatedBy is the id of the key that made it; empty for a cluster's
	// bootstrap admin key.
	CreatedBy string `json:"created_by,omitempty"`
}
