package e2e

import (
	"errors"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/server"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestNamespaceQuotas sets a namespace's quotas low and checks that going
// over each fails with ResourceExhausted naming the quota and its limit,
// that the refused calls changed nothing, and that another namespace is
// not held back.
func TestNamespaceQuotas(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	admin := clientsWith(c.URL(), c.AdminToken())
	ctx := t.Context()
	kv, counter := testwasm.Build(t, testwasm.KV), testwasm.Build(t, testwasm.Counter)
	setQuota := func(q *synodv1.Quota) *synodv1.Quota {
		t.Helper()
		res, err := admin.nss.SetQuota(ctx, connect.NewRequest(&synodv1.SetQuotaRequest{Namespace: "small", Quota: q}))
		if err != nil {
			t.Fatalf("set quota: %v", err)
		}
		return res.Msg.GetQuota()
	}
	wantOver := func(err error, words ...string) {
		t.Helper()
		if connect.CodeOf(err) != connect.CodeResourceExhausted {
			t.Fatalf("got %v, want ResourceExhausted", err)
		}
		for _, w := range words {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not say %q", err, w)
			}
		}
	}

	// Module bytes: room for kv, not for counter as well.
	setQuota(&synodv1.Quota{Shards: proto.Uint32(1), ModuleBytes: proto.Uint64(uint64(len(kv) + len(counter)/2))})
	up, err := admin.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Namespace: "small", Wasm: kv}))
	if err != nil {
		t.Fatalf("upload kv: %v", err)
	}
	_, err = admin.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Namespace: "small", Wasm: counter}))
	wantOver(err, "small", "quota of", "bytes of modules")

	// Shards: one, and not two.
	create := func(ns, name string) error {
		_, err := admin.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Namespace: ns, Name: name, ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 1}))
		return err
	}
	if err := create("small", "first"); err != nil {
		t.Fatalf("create first shard: %v", err)
	}
	wantOver(create("small", "second"), "small", "quota of 1 shards")
	got, err := admin.nss.GetNamespace(ctx, connect.NewRequest(&synodv1.GetNamespaceRequest{Namespace: "small"}))
	if err != nil {
		t.Fatal(err)
	}
	if u := got.Msg.GetUsage(); u.GetShards() != 1 || u.GetModuleBytes() != uint64(len(kv)) || u.GetStoredBytes() != 256<<20 {
		t.Errorf("usage %v, want 1 shard, %d module bytes and the default shard's 256 MiB of stored bytes", u, len(kv))
	}

	// Stored bytes: the first shard reserves the default 256 MiB, which
	// leaves room for a shard of 1 MiB, not 2. Lowering the shards quota
	// below what the namespace has then removes nothing.
	setQuota(&synodv1.Quota{Shards: proto.Uint32(3), StoredBytes: proto.Uint64(257 << 20)})
	createStored := func(name string, limit uint64) error {
		_, err := admin.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Namespace: "small", Name: name, ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 1, StoredBytesLimit: limit}))
		return err
	}
	wantOver(createStored("second", 2<<20), "small", "quota of 269484032 stored bytes")
	if err := createStored("second", 1<<20); err != nil {
		t.Fatalf("create a shard that fits the stored-bytes quota: %v", err)
	}
	setQuota(&synodv1.Quota{Shards: proto.Uint32(1)})

	// Calls a second: a burst of 5 passes, the rest of 30 at once fail. The
	// change keeps the other limits.
	if q := setQuota(&synodv1.Quota{RequestsPerSecond: proto.Uint32(5)}); q.GetShards() != 1 || q.GetRequestsPerSecond() != 5 {
		t.Errorf("small's quota after two changes is %v, want 1 shard and 5 calls a second", q)
	}
	refused := 0
	for i := range 30 {
		_, err := admin.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Namespace: "small", Shard: "first", Command: kvCmd{Op: "put", Key: "k", Value: string(rune('a' + i))}.bytes()}))
		if err != nil {
			wantOver(err, "small", "quota of 5 calls a second")
			var ce *connect.Error
			if !errors.As(err, &ce) {
				t.Fatalf("%v is no Connect error", err)
			}
			if outcome := proposeApplied(t, ce); outcome != synodv1.Applied_APPLIED_NO {
				t.Errorf("a proposal refused for quota says it was %v, want APPLIED_NO", outcome)
			}
			refused++
		}
	}
	if refused < 20 {
		t.Errorf("%d of 30 proposals at once were refused, want at least 20 with a quota of 5 a second", refused)
	}

	got, err = admin.nss.GetNamespace(ctx, connect.NewRequest(&synodv1.GetNamespaceRequest{Namespace: "other"}))
	if err != nil {
		t.Fatal(err)
	}
	if q := got.Msg.GetQuota(); q.GetRequestsPerSecond() != 100000 || q.GetShards() != 100 {
		t.Errorf("another namespace's quota is %v, want the defaults", q)
	}

	// Other namespaces keep their own, default, quotas.
	if _, err := admin.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Namespace: "big", Wasm: counter})); err != nil {
		t.Errorf("upload to another namespace: %v", err)
	}
}

// TestCallsPerKey runs a gateway that admits 3 calls a second per key:
// of 20 calls at once by one key, most are refused, naming the key and
// the limit, while another key is not held back.
func TestCallsPerKey(t *testing.T) {
	c := startInProcess(t, dev.Config{Hosts: 1, Limits: server.Limits{CallsPerKey: 3}})
	admin := clientsWith(c.URL(), c.AdminToken())
	other := clientsWith(c.URL(), makeKey(t, admin, "other", false, role("default", synodv1.Role_ROLE_READER)))
	id, err := access.ParseToken(c.AdminToken())
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for range 20 {
		_, err := admin.keys.WhoAmI(t.Context(), connect.NewRequest(&synodv1.WhoAmIRequest{}))
		if err != nil {
			if connect.CodeOf(err) != connect.CodeResourceExhausted || !strings.Contains(err.Error(), "calls of key "+id.ID+": over the limit of 3 a second") {
				t.Fatalf("got %v, want ResourceExhausted naming the key and its limit", err)
			}
			refused++
		}
	}
	if refused < 10 {
		t.Errorf("%d of 20 calls at once were refused, want at least 10 at 3 a second", refused)
	}
	if _, err := other.keys.WhoAmI(t.Context(), connect.NewRequest(&synodv1.WhoAmIRequest{})); err != nil {
		t.Errorf("another key: %v", err)
	}
}
