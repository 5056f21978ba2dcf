package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// apiClients are clients of every public service that present one key.
type apiClients struct {
	modules synodv1connect.ModuleServiceClient
	shards  synodv1connect.ShardServiceClient
	data    synodv1connect.DataServiceClient
	cluster synodv1connect.ClusterServiceClient
	keys    synodv1connect.KeyServiceClient
	nss     synodv1connect.NamespaceServiceClient
}

// clientsWith returns clients of a gateway that send token ("": none).
func clientsWith(url, token string) apiClients {
	hc := &http.Client{}
	if token != "" {
		hc.Transport = access.Bearer(token, http.DefaultTransport)
	}
	return apiClients{
		modules: synodv1connect.NewModuleServiceClient(hc, url),
		shards:  synodv1connect.NewShardServiceClient(hc, url),
		data:    synodv1connect.NewDataServiceClient(hc, url),
		cluster: synodv1connect.NewClusterServiceClient(hc, url),
		keys:    synodv1connect.NewKeyServiceClient(hc, url),
		nss:     synodv1connect.NewNamespaceServiceClient(hc, url),
	}
}

// makeKey creates a key through c and returns its token.
func makeKey(t *testing.T, c apiClients, name string, clusterAdmin bool, roles ...*synodv1.NamespaceRole) string {
	t.Helper()
	res, err := c.keys.CreateKey(t.Context(), connect.NewRequest(&synodv1.CreateKeyRequest{Name: name, ClusterAdmin: clusterAdmin, Roles: roles}))
	if err != nil {
		t.Fatalf("create key %s: %v", name, err)
	}
	return res.Msg.GetToken()
}

func role(ns string, r synodv1.Role) *synodv1.NamespaceRole {
	return &synodv1.NamespaceRole{Namespace: ns, Role: r}
}

// accessCall is one public RPC made in a namespace, with the least grant
// it needs and the code it ends with when that grant allows it (nil: it
// succeeds; else a failure that comes only after the access check, such
// as NotFound for a made-up name).
type accessCall struct {
	name    string
	need    access.Need
	allowed *connect.Code
	call    func(ctx context.Context, c apiClients, ns string, n int) error
}

func code(c connect.Code) *connect.Code { return &c }

// accessCalls lists every public RPC. n is unique per call made, for
// names that must not repeat.
func accessCalls(kvHash string, kvWasm []byte) []accessCall {
	kv := func(op, key string) []byte { return kvCmd{Op: op, Key: key, Value: "v"}.bytes() }
	return []accessCall{
		{"UploadModule", access.Need{Role: access.Admin}, nil, func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Namespace: ns, Wasm: kvWasm}))
			return err
		}},
		{"GetModule", access.Need{Role: access.Reader}, nil, func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.modules.GetModule(ctx, connect.NewRequest(&synodv1.GetModuleRequest{Namespace: ns, Hash: kvHash}))
			return err
		}},
		{"ListModules", access.Need{Role: access.Reader}, nil, func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.modules.ListModules(ctx, connect.NewRequest(&synodv1.ListModulesRequest{Namespace: ns}))
			return err
		}},
		{"DeleteModule", access.Need{Role: access.Admin}, code(connect.CodeNotFound), func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.modules.DeleteModule(ctx, connect.NewRequest(&synodv1.DeleteModuleRequest{Namespace: ns, Hash: fmt.Sprintf("%064x", 7)}))
			return err
		}},
		{"CreateShard", access.Need{Role: access.Admin}, nil, func(ctx context.Context, c apiClients, ns string, n int) error {
			_, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Namespace: ns, Name: fmt.Sprintf("made-%d", n), ModuleHash: kvHash, ReplicaCount: 1}))
			return err
		}},
		{"GetShard", access.Need{Role: access.Reader}, nil, func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.shards.GetShard(ctx, connect.NewRequest(&synodv1.GetShardRequest{Namespace: ns, Name: "s"}))
			return err
		}},
		{"ListShards", access.Need{Role: access.Reader}, nil, func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.shards.ListShards(ctx, connect.NewRequest(&synodv1.ListShardsRequest{Namespace: ns}))
			return err
		}},
		{"DeleteShard", access.Need{Role: access.Admin}, code(connect.CodeNotFound), func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.shards.DeleteShard(ctx, connect.NewRequest(&synodv1.DeleteShardRequest{Namespace: ns, Name: "never-made"}))
			return err
		}},
		{"CheckShard", access.Need{Role: access.Admin}, nil, func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.shards.CheckShard(ctx, connect.NewRequest(&synodv1.CheckShardRequest{Namespace: ns, Name: "s"}))
			return err
		}},
		{"Propose", access.Need{Role: access.Writer}, nil, func(ctx context.Context, c apiClients, ns string, n int) error {
			_, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Namespace: ns, Shard: "s", Command: kv("put", fmt.Sprint(n))}))
			return err
		}},
		{"Query", access.Need{Role: access.Reader}, nil, func(ctx context.Context, c apiClients, ns string, n int) error {
			_, err := c.data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{Namespace: ns, Shard: "s", Query: kv("get", fmt.Sprint(n))}))
			return err
		}},
		{"GetStatus", access.Need{Cluster: true}, nil, func(ctx context.Context, c apiClients, _ string, _ int) error {
			_, err := c.cluster.GetStatus(ctx, connect.NewRequest(&synodv1.GetStatusRequest{}))
			return err
		}},
		{"AddReplica", access.Need{Cluster: true}, code(connect.CodeNotFound), func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.cluster.AddReplica(ctx, connect.NewRequest(&synodv1.AddReplicaRequest{Namespace: ns, Shard: "s", Host: "no-such-host"}))
			return err
		}},
		{"RemoveReplica", access.Need{Cluster: true}, code(connect.CodeNotFound), func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.cluster.RemoveReplica(ctx, connect.NewRequest(&synodv1.RemoveReplicaRequest{Namespace: ns, Shard: "s", Host: "no-such-host"}))
			return err
		}},
		{"MoveReplica", access.Need{Cluster: true}, code(connect.CodeNotFound), func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.cluster.MoveReplica(ctx, connect.NewRequest(&synodv1.MoveReplicaRequest{Namespace: ns, Shard: "s", FromHost: "no-such-host", ToHost: "host-1"}))
			return err
		}},
		{"TransferLeader", access.Need{Cluster: true}, code(connect.CodeNotFound), func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.cluster.TransferLeader(ctx, connect.NewRequest(&synodv1.TransferLeaderRequest{Namespace: ns, Shard: "s", Host: "no-such-host"}))
			return err
		}},
		{"DrainHost", access.Need{Cluster: true}, code(connect.CodeNotFound), func(ctx context.Context, c apiClients, _ string, _ int) error {
			_, err := c.cluster.DrainHost(ctx, connect.NewRequest(&synodv1.DrainHostRequest{Host: "no-such-host"}))
			return err
		}},
		{"RemoveHost", access.Need{Cluster: true}, code(connect.CodeNotFound), func(ctx context.Context, c apiClients, _ string, _ int) error {
			_, err := c.cluster.RemoveHost(ctx, connect.NewRequest(&synodv1.RemoveHostRequest{Host: "no-such-host"}))
			return err
		}},
		{"CreateKey", access.Need{Role: access.Admin}, nil, func(ctx context.Context, c apiClients, ns string, n int) error {
			_, err := c.keys.CreateKey(ctx, connect.NewRequest(&synodv1.CreateKeyRequest{Name: fmt.Sprint(n), Roles: []*synodv1.NamespaceRole{role(ns, synodv1.Role_ROLE_READER)}}))
			return err
		}},
		{"ListKeys", access.Need{Role: access.NoRole}, nil, func(ctx context.Context, c apiClients, _ string, _ int) error {
			_, err := c.keys.ListKeys(ctx, connect.NewRequest(&synodv1.ListKeysRequest{}))
			return err
		}},
		{"RevokeKey", access.Need{Role: access.NoRole}, code(connect.CodeNotFound), func(ctx context.Context, c apiClients, _ string, _ int) error {
			_, err := c.keys.RevokeKey(ctx, connect.NewRequest(&synodv1.RevokeKeyRequest{Id: "000000000000"}))
			return err
		}},
		{"WhoAmI", access.Need{Role: access.NoRole}, nil, func(ctx context.Context, c apiClients, _ string, _ int) error {
			_, err := c.keys.WhoAmI(ctx, connect.NewRequest(&synodv1.WhoAmIRequest{}))
			return err
		}},
		{"GetNamespace", access.Need{Role: access.Reader}, nil, func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.nss.GetNamespace(ctx, connect.NewRequest(&synodv1.GetNamespaceRequest{Namespace: ns}))
			return err
		}},
		{"SetQuota", access.Need{Cluster: true}, nil, func(ctx context.Context, c apiClients, ns string, _ int) error {
			_, err := c.nss.SetQuota(ctx, connect.NewRequest(&synodv1.SetQuotaRequest{Namespace: ns, Quota: &synodv1.Quota{}}))
			return err
		}},
	}
}

// TestAccessTable makes every public RPC with every kind of key, in the
// key's own namespace and in another, over loopback HTTP to a cluster
// whose gateway reaches its hosts over their internal API, and checks
// that each is refused or allowed as the roles say. An allowed call must
// succeed, or fail only with the code that comes after the access check.
func TestAccessTable(t *testing.T) {
	c := startCluster(t, host.Config{}, true)
	admin := clientsWith(c.URL(), c.AdminToken())
	ctx := t.Context()
	var kvHash string
	for _, ns := range []string{"own", "other"} {
		up, err := admin.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Namespace: ns, Wasm: testwasm.Build(t, testwasm.KV)}))
		if err != nil {
			t.Fatalf("upload to %s: %v", ns, err)
		}
		kvHash = up.Msg.GetModule().GetHash()
		if _, err := admin.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Namespace: ns, Name: "s", ModuleHash: kvHash, ReplicaCount: 3})); err != nil {
			t.Fatalf("create shard in %s: %v", ns, err)
		}
	}
	keys := []struct {
		name  string
		token string
		grant access.Grant
	}{
		{"no key", "", access.Grant{}},
		{"malformed key", "synod_not-a-key", access.Grant{}},
		{"forged key", access.NewToken().String(), access.Grant{}},
		{"reader", makeKey(t, admin, "reader", false, role("own", synodv1.Role_ROLE_READER)), access.Grant{Roles: map[string]access.Role{"own": access.Reader}}},
		{"writer", makeKey(t, admin, "writer", false, role("own", synodv1.Role_ROLE_WRITER)), access.Grant{Roles: map[string]access.Role{"own": access.Writer}}},
		{"admin", makeKey(t, admin, "admin", false, role("own", synodv1.Role_ROLE_ADMIN)), access.Grant{Roles: map[string]access.Role{"own": access.Admin}}},
		{"cluster admin", makeKey(t, admin, "cluster admin", true), access.Grant{ClusterAdmin: true}},
	}
	n := 0
	for _, call := range accessCalls(kvHash, testwasm.Build(t, testwasm.KV)) {
		for _, k := range keys {
			for _, ns := range []string{"own", "other"} {
				n++
				seq := n
				granted := k.grant.ClusterAdmin || len(k.grant.Roles) > 0
				t.Run(fmt.Sprintf("%s/%s/%s", call.name, k.name, ns), func(t *testing.T) {
					if !granted {
						// Refused before it could change anything, so it
						// may run beside the others; a forged key's call
						// mostly waits for the gateway's keyring (a key it
						// does not know is looked up at most every 250 ms).
						t.Parallel()
					}
					ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
					defer cancel()
					err := call.call(ctx, clientsWith(c.URL(), k.token), ns, seq)
					var want *connect.Code
					switch {
					case !granted:
						want = code(connect.CodeUnauthenticated)
					case k.grant.Allows(call.need, ns):
						want = call.allowed
					default:
						want = code(connect.CodePermissionDenied)
					}
					switch {
					case want == nil && err != nil:
						t.Fatalf("want success, got %v", err)
					case want != nil && connect.CodeOf(err) != *want:
						t.Fatalf("want %v, got %v", *want, err)
					}
				})
			}
		}
	}
}

// TestKeysAcrossNamespaces checks what a namespace admin may do with
// keys, that namespaces do not see each other's modules and shards, and
// that a revoked key stops working within seconds.
func TestKeysAcrossNamespaces(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	admin := clientsWith(c.URL(), c.AdminToken())
	ctx := t.Context()
	nsAdmin := clientsWith(c.URL(), makeKey(t, admin, "team a", false, role("team-a", synodv1.Role_ROLE_ADMIN)))

	// A namespace admin may make keys in its namespace, and no other.
	readerTok := makeKey(t, nsAdmin, "a reader", false, role("team-a", synodv1.Role_ROLE_READER))
	for _, req := range []*synodv1.CreateKeyRequest{
		{Name: "escalate", ClusterAdmin: true},
		{Name: "elsewhere", Roles: []*synodv1.NamespaceRole{role("team-b", synodv1.Role_ROLE_READER)}},
	} {
		if _, err := nsAdmin.keys.CreateKey(ctx, connect.NewRequest(req)); connect.CodeOf(err) != connect.CodePermissionDenied {
			t.Errorf("namespace admin made key %q: got %v, want PermissionDenied", req.GetName(), err)
		}
	}
	listed, err := nsAdmin.keys.ListKeys(ctx, connect.NewRequest(&synodv1.ListKeysRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range listed.Msg.GetKeys() {
		if k.GetClusterAdmin() {
			t.Errorf("namespace admin sees cluster admin key %s", k.GetId())
		}
	}
	if len(listed.Msg.GetKeys()) != 2 {
		t.Errorf("namespace admin lists %d keys, want its own and its reader's", len(listed.Msg.GetKeys()))
	}
	who, err := admin.keys.WhoAmI(ctx, connect.NewRequest(&synodv1.WhoAmIRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nsAdmin.keys.RevokeKey(ctx, connect.NewRequest(&synodv1.RevokeKeyRequest{Id: who.Msg.GetKey().GetId()})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("namespace admin revoking the cluster admin key: got %v, want NotFound", err)
	}

	// The same shard name in two namespaces is two shards.
	for _, ns := range []string{"team-a", "team-b"} {
		up, err := admin.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Namespace: ns, Wasm: testwasm.Build(t, testwasm.KV)}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Namespace: ns, Name: "orders", ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 1})); err != nil {
			t.Fatalf("create orders in %s: %v", ns, err)
		}
		if _, err := admin.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Namespace: ns, Shard: "orders", Command: kvCmd{Op: "put", Key: "owner", Value: ns}.bytes()})); err != nil {
			t.Fatal(err)
		}
	}
	reader := clientsWith(c.URL(), readerTok)
	got, err := reader.data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{Namespace: "team-a", Shard: "orders", Query: kvCmd{Op: "get", Key: "owner"}.bytes()}))
	if err != nil {
		t.Fatal(err)
	}
	if owner := decodeKV(t, got.Msg.GetResult()).Value; owner != "team-a" {
		t.Errorf("team-a's orders hold owner %q, want team-a", owner)
	}
	shards, err := reader.shards.ListShards(ctx, connect.NewRequest(&synodv1.ListShardsRequest{Namespace: "team-a"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(shards.Msg.GetShards()) != 1 || shards.Msg.GetShards()[0].GetNamespace() != "team-a" {
		t.Errorf("team-a lists shards %v, want its orders only", shards.Msg.GetShards())
	}

	// A key other than a cluster admin's makes or revokes at most 10 keys a
	// second at a gateway: each is a catalogue command, even when refused.
	limited := 0
	for range 30 {
		_, err := nsAdmin.keys.RevokeKey(ctx, connect.NewRequest(&synodv1.RevokeKeyRequest{Id: "000000000000"}))
		switch {
		case connect.CodeOf(err) == connect.CodeResourceExhausted && strings.Contains(err.Error(), "keys made or revoked by key"):
			limited++
		case connect.CodeOf(err) != connect.CodeNotFound:
			t.Fatalf("revoke a key that does not exist: %v", err)
		}
	}
	if limited < 15 {
		t.Errorf("%d of 30 key revocations at once were limited, want at least 15 at 10 a second", limited)
	}

	// Revoked, the reader's key stops working within seconds.
	readerID, err := access.ParseToken(readerTok)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool { // the limit above refills
		_, err := nsAdmin.keys.RevokeKey(ctx, connect.NewRequest(&synodv1.RevokeKeyRequest{Id: readerID.ID}))
		if err != nil && connect.CodeOf(err) != connect.CodeResourceExhausted {
			t.Fatalf("revoke: %v", err)
		}
		return err == nil
	})
	revoked := time.Now()
	waitFor(t, 10*time.Second, func() bool {
		_, err := reader.keys.WhoAmI(ctx, connect.NewRequest(&synodv1.WhoAmIRequest{}))
		var ce *connect.Error
		return errors.As(err, &ce) && ce.Code() == connect.CodeUnauthenticated
	})
	t.Logf("a revoked key was refused %v after RevokeKey returned", time.Since(revoked).Round(time.Millisecond))
}
