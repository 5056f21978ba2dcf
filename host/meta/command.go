package meta

import (
	"encoding/json"
	"fmt"

	"github.com/synodhq/synod/internal/access"
)

// Op names a command or a query.
type Op string

// Commands.
const (
	OpPutModule    Op = "put_module"
	OpDeleteModule Op = "delete_module"
	OpCreateShard  Op = "create_shard"
	OpDeleteShard  Op = "delete_shard"
	// OpHeartbeat records that a host is up, with its addresses; the
	// first heartbeat of a host of the initial cluster registers it.
	OpHeartbeat Op = "heartbeat"
	// OpJoinHost admits a new host and gives it an id. A host that joins
	// under the name of a dead host replaces it.
	OpJoinHost Op = "join_host"
	// OpDrainHost moves every replica off a host and places none there.
	OpDrainHost Op = "drain_host"
	// OpRemoveHost removes a dead or drained host, moving its replicas to
	// live hosts.
	OpRemoveHost Op = "remove_host"
	// OpAddReplica adds a replica of a shard on a host.
	OpAddReplica Op = "add_replica"
	// OpRemoveReplica removes a shard's replica from a host.
	OpRemoveReplica Op = "remove_replica"
	// OpMoveReplica moves a shard's replica from one host to another.
	OpMoveReplica Op = "move_replica"
	// OpTransferLeader makes a shard's replica on a host its preferred
	// leader.
	OpTransferLeader Op = "transfer_leader"
	// OpReplicaCaughtUp records that a joined replica has caught up.
	OpReplicaCaughtUp Op = "replica_caught_up"
	// OpReplicaLeft records that a leaving replica has left the Raft group.
	OpReplicaLeft Op = "replica_left"
	// OpCreateKey records a new API key.
	OpCreateKey Op = "create_key"
	// OpRevokeKey deletes an API key.
	OpRevokeKey Op = "revoke_key"
	// OpSetQuota sets a namespace's quota.
	OpSetQuota Op = "set_quota"
	// OpBootstrapKey records a cluster's first admin key, once in the
	// cluster's life: later ones are refused, even after that key is
	// revoked.
	OpBootstrapKey Op = "bootstrap_key"
	// OpChallengeHost records a secret nonce that a host must echo to be
	// proven; the meta leader's host proposes it. It is [Op.HostOnly].
	OpChallengeHost Op = "challenge_host"
	// OpProveHost answers a host's challenge with its nonce, which only a
	// replica of the meta shard can know, and makes the host proven; the
	// host proposes it through its own meta replica. It is [Op.HostOnly].
	OpProveHost Op = "prove_host"
)

// Queries.
const (
	OpGetModule   Op = "get_module"
	OpGetWasm     Op = "get_wasm"
	OpListModules Op = "list_modules"
	OpGetShard    Op = "get_shard"
	OpListShards  Op = "list_shards"
	// OpListShardRecords returns the record of every shard of every
	// namespace (it ignores Namespace), each as its length (a uvarint)
	// then its bytes, not JSON: what a host's own reconciler reads, split
	// without parsing (see [DecodeShards]).
	OpListShardRecords Op = "list_shard_records"
	OpListHosts        Op = "list_hosts"
	OpListKeys         Op = "list_keys"
	// OpGetNamespace returns a namespace's quota and usage.
	OpGetNamespace Op = "get_namespace"
	// OpGetQuota returns a namespace's quota, defaults filled in.
	OpGetQuota Op = "get_quota"
	// OpGetChallenge returns a host's open challenge, read by the host
	// from its own meta replica. It is [Op.HostOnly].
	OpGetChallenge Op = "get_challenge"
)

// HostOnly reports whether only a host's own controller may run the
// request, through its own meta replica: the host API and the gateway
// refuse it (see [Host.Proven] for why).
func (op Op) HostOnly() bool {
	return op == OpChallengeHost || op == OpProveHost || op == OpGetChallenge
}

// Request is a command or a query of the meta shard.
type Request struct {
	// Op selects what to do.
	Op Op `json:"op"`
	// Namespace scopes the module and shard commands and queries; empty
	// means [access.DefaultNamespace].
	Namespace string `json:"namespace,omitempty"`
	// AllNamespaces makes OpListShards list the shards of every namespace.
	AllNamespaces bool `json:"all_namespaces,omitempty"`
	// Module describes the module of OpPutModule.
	Module *Module `json:"module,omitempty"`
	// Wasm holds the module bytes of OpPutModule.
	Wasm []byte `json:"wasm,omitempty"`
	// Hash names the module of OpDeleteModule, OpGetModule, OpGetWasm and
	// OpCreateShard.
	Hash string `json:"hash,omitempty"`
	// Name names the shard of the shard commands and queries.
	Name string `json:"name,omitempty"`
	// HostName names the host of the host and replica commands (for
	// OpMoveReplica, the host the replica leaves).
	HostName string `json:"host_name,omitempty"`
	// Target names the host OpMoveReplica moves the replica to.
	Target string `json:"target,omitempty"`
	// IDFloor is the highest host id of the initial cluster as the
	// proposing host knows it (0 if it joined), sent with OpHeartbeat and
	// OpJoinHost: a joining host must not get the id of an initial host
	// that has not registered yet.
	IDFloor uint64 `json:"id_floor,omitempty"`
	// ReplicaID names the replica of OpReplicaCaughtUp and OpReplicaLeft.
	ReplicaID uint64 `json:"replica_id,omitempty"`
	// ShardID names the shard of OpReplicaCaughtUp and OpReplicaLeft,
	// which hosts send: a shard's id is unique in the cluster, its name
	// only in its namespace.
	ShardID uint64 `json:"shard_id,omitempty"`
	// Key describes the key of OpCreateKey and OpBootstrapKey.
	Key *Key `json:"key,omitempty"`
	// KeyID names the key of OpRevokeKey.
	KeyID string `json:"key_id,omitempty"`
	// By names the key that asks for OpRevokeKey, which must cover the
	// key it revokes.
	By string `json:"by,omitempty"`
	// QuotaChange is the change of OpSetQuota.
	QuotaChange *QuotaChange `json:"quota_change,omitempty"`
	// ShardSettings are the settings of OpCreateShard.
	ShardSettings
	// Host describes the host of OpHeartbeat and OpJoinHost.
	Host *Host `json:"host,omitempty"`
	// HostID names the host of OpChallengeHost, OpProveHost and
	// OpGetChallenge.
	HostID uint64 `json:"host_id,omitempty"`
	// Nonce is the secret of OpChallengeHost and OpProveHost.
	Nonce string `json:"nonce,omitempty"`
}

// Repeatable reports whether running the request a second time changes
// nothing: recording a module's bytes again returns the entry the first
// recording made (see putModule).
func (r Request) Repeatable() bool { return r.Op == OpPutModule }

// Encode returns the request's wire form.
func (r Request) Encode() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		// Request holds only plain values, which always marshal.
		return nil
	}
	return b
}

func decodeRequest(b []byte) (Request, error) {
	var r Request
	if err := json.Unmarshal(b, &r); err != nil {
		return Request{}, fmt.Errorf("decode meta request: %w", err)
	}
	ns, err := access.Namespace(r.Namespace)
	if err != nil {
		return Request{}, err
	}
	r.Namespace = ns
	return r, nil
}

// Decode decodes a meta result into v.
func Decode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode meta result: %w", err)
	}
	return nil
}
