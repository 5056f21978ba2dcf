package meta

// ShardID is the Raft shard id of the meta shard.
const ShardID uint64 = 1

// FirstUserShardID is the id of the first user shard; ids below it are kept
// for system shards.
const FirstUserShardID uint64 = 1024

// Module is the catalogue entry of an uploaded module.
type Module struct {
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
	// ReplicaID is the member's id in the shard's Raft group.
	ReplicaID uint64 `json:"replica_id"`
	// HostID is the host that runs it.
	HostID uint64 `json:"host_id"`
}

// Shard is the catalogue entry of a shard.
type Shard struct {
	// Name is the shard's user-facing name.
	Name string `json:"name"`
	// ID is the shard's Raft shard id.
	ID uint64 `json:"id"`
	// Module is the hash of the module the shard runs.
	Module string `json:"module"`
	// Replicas are the shard's members.
	Replicas []Replica `json:"replicas"`
	// CreateNanos is when the shard was created.
	CreateNanos int64 `json:"create_nanos"`
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
	for _, r := range s.Replicas {
		if r.HostID == hostID {
			return r.ReplicaID
		}
	}
	return 0
}

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
}
