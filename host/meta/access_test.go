package meta_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/access"
)

// newKey returns a key entry for a fresh token.
func newKey(by string, g access.Grant) *meta.Key {
	tok := access.NewToken()
	return &meta.Key{ID: tok.ID, SecretHash: tok.Hash(), Grant: g, CreatedBy: by}
}

func TestKeys(t *testing.T) {
	c := newCatalogue(t)
	root := newKey("", access.Grant{ClusterAdmin: true})
	c.must(meta.Request{Op: meta.OpBootstrapKey, Key: root}, nil)
	if err := c.do(meta.Request{Op: meta.OpBootstrapKey, Key: newKey("", access.Grant{ClusterAdmin: true})}).err; !errors.Is(err, meta.ErrKeyExists) {
		t.Fatalf("a second bootstrap key: %v, want ErrKeyExists", err)
	}
	adminA := newKey(root.ID, access.Grant{Roles: map[string]access.Role{"a": access.Admin}})
	c.must(meta.Request{Op: meta.OpCreateKey, Key: adminA}, nil)

	tests := []struct {
		name string
		req  meta.Request
		want error
	}{
		{"admin makes a key in its namespace", meta.Request{Op: meta.OpCreateKey, Key: newKey(adminA.ID, access.Grant{Roles: map[string]access.Role{"a": access.Reader}})}, nil},
		{"admin makes a key elsewhere", meta.Request{Op: meta.OpCreateKey, Key: newKey(adminA.ID, access.Grant{Roles: map[string]access.Role{"b": access.Reader}})}, meta.ErrInvalidArgument},
		{"admin makes a cluster admin", meta.Request{Op: meta.OpCreateKey, Key: newKey(adminA.ID, access.Grant{ClusterAdmin: true})}, meta.ErrInvalidArgument},
		{"an unknown maker", meta.Request{Op: meta.OpCreateKey, Key: newKey("000000000000", access.Grant{ClusterAdmin: true})}, meta.ErrKeyNotFound},
		{"a key with no grant", meta.Request{Op: meta.OpCreateKey, Key: newKey(root.ID, access.Grant{})}, meta.ErrInvalidArgument},
		{"admin revokes the cluster admin", meta.Request{Op: meta.OpRevokeKey, KeyID: root.ID, By: adminA.ID}, meta.ErrKeyNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.do(tt.req).err; !errors.Is(err, tt.want) && (tt.want != nil || err != nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}

	// A revoked key can make no more keys, whatever a gateway's copy says.
	c.must(meta.Request{Op: meta.OpRevokeKey, KeyID: adminA.ID, By: root.ID}, nil)
	late := meta.Request{Op: meta.OpCreateKey, Key: newKey(adminA.ID, access.Grant{Roles: map[string]access.Role{"a": access.Admin}})}
	if err := c.do(late).err; !errors.Is(err, meta.ErrKeyNotFound) {
		t.Fatalf("a revoked key made a key: %v", err)
	}
	// Nor does the bootstrap come back.
	if err := c.do(meta.Request{Op: meta.OpBootstrapKey, Key: newKey("", access.Grant{ClusterAdmin: true})}).err; !errors.Is(err, meta.ErrKeyExists) {
		t.Fatalf("bootstrap after the first key: %v", err)
	}
}

func TestQuotas(t *testing.T) {
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	root := newKey("", access.Grant{ClusterAdmin: true})
	c.must(meta.Request{Op: meta.OpBootstrapKey, Key: root}, nil)
	one := 1
	c.must(meta.Request{Op: meta.OpSetQuota, Namespace: "a", QuotaChange: &meta.QuotaChange{Shards: &one, Keys: &one}}, nil)

	// Shards: one, and the count follows deletes.
	c.must(meta.Request{Op: meta.OpPutModule, Namespace: "a", Module: putModule(m1).Module, Wasm: wasmM1}, nil)
	mk := func(name string) error {
		return c.do(meta.Request{Op: meta.OpCreateShard, Namespace: "a", Name: name, Hash: m1, ShardSettings: meta.ShardSettings{Replicas: 1}}).err
	}
	if err := mk("s1"); err != nil {
		t.Fatal(err)
	}
	if err := mk("s2"); !errors.Is(err, meta.ErrOverQuota) {
		t.Fatalf("a second shard: %v, want ErrOverQuota", err)
	}
	c.must(meta.Request{Op: meta.OpDeleteShard, Namespace: "a", Name: "s1"}, nil)
	if err := mk("s2"); err != nil {
		t.Fatalf("a shard after a delete: %v", err)
	}

	// Keys: one with a role in a; cluster admins do not count.
	c.must(meta.Request{Op: meta.OpCreateKey, Key: newKey(root.ID, access.Grant{Roles: map[string]access.Role{"a": access.Reader}})}, nil)
	if err := c.do(meta.Request{Op: meta.OpCreateKey, Key: newKey(root.ID, access.Grant{Roles: map[string]access.Role{"a": access.Writer}})}).err; !errors.Is(err, meta.ErrOverQuota) {
		t.Fatalf("a second key in a: %v, want ErrOverQuota", err)
	}
	c.must(meta.Request{Op: meta.OpCreateKey, Key: newKey(root.ID, access.Grant{ClusterAdmin: true})}, nil)

	// A change keeps the limits it does not set, and 0 restores a default.
	zero := 0
	var q meta.Quota
	c.must(meta.Request{Op: meta.OpSetQuota, Namespace: "a", QuotaChange: &meta.QuotaChange{Keys: &zero}}, &q)
	if q.Shards != 1 || q.Keys != meta.DefaultQuota.Keys {
		t.Errorf("after a change of keys only: %+v, want 1 shard and the default keys", q)
	}

	// Usage counts each module as at least 64 KiB, and follows deletes.
	var ns meta.Namespace
	out, err := c.query(meta.Request{Op: meta.OpGetNamespace, Namespace: "a"})
	if err != nil || meta.Decode(out, &ns) != nil {
		t.Fatal(err)
	}
	if ns.Usage.Shards != 1 || ns.Usage.ModuleBytes != 64<<10 {
		t.Errorf("usage %+v, want 1 shard and 64 KiB", ns.Usage)
	}
	c.must(meta.Request{Op: meta.OpDeleteShard, Namespace: "a", Name: "s2"}, nil)
	c.must(meta.Request{Op: meta.OpDeleteModule, Namespace: "a", Hash: m1}, nil)
	out, _ = c.query(meta.Request{Op: meta.OpGetNamespace, Namespace: "a"})
	if err := meta.Decode(out, &ns); err != nil || ns.Usage != (meta.Usage{}) {
		t.Errorf("usage after deleting everything: %+v (%v)", ns.Usage, err)
	}
}

// TestStoredBytesQuota checks that a namespace's shards reserve their
// stored-bytes limits against its quota, the defaults filled in, and that
// no shard may ask for more than the cluster's caps.
func TestStoredBytesQuota(t *testing.T) {
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	quota := int64(store.DefaultStoredBytes + 100<<20)
	c.must(meta.Request{Op: meta.OpSetQuota, Namespace: "a", QuotaChange: &meta.QuotaChange{StoredBytes: &quota}}, nil)
	c.must(meta.Request{Op: meta.OpPutModule, Namespace: "a", Module: putModule(m1).Module, Wasm: wasmM1}, nil)
	mk := func(name string, s meta.ShardSettings) (meta.Shard, error) {
		s.Replicas = 1
		return c.createShardIn("a", name, m1, s)
	}

	s, err := mk("default", meta.ShardSettings{})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Limits{WriteBytes: store.DefaultWriteBytes, WriteKeys: store.DefaultWriteKeys, StoredBytes: store.DefaultStoredBytes}
	if s.Limits() != want || s.StoredBytes != store.DefaultStoredBytes {
		t.Errorf("a shard that sets no limits has %+v (stored %d), want the defaults %+v", s.Limits(), s.StoredBytes, want)
	}
	if _, err := mk("big", meta.ShardSettings{StoredBytes: 101 << 20}); !errors.Is(err, meta.ErrOverQuota) || !strings.Contains(err.Error(), "stored bytes") {
		t.Fatalf("a shard past the stored-bytes quota: %v, want ErrOverQuota naming stored bytes", err)
	}
	if _, err := mk("fits", meta.ShardSettings{StoredBytes: 100 << 20, WriteBytes: 1 << 20, WriteKeys: 10}); err != nil {
		t.Fatalf("a shard that fits: %v", err)
	}
	for _, over := range []meta.ShardSettings{
		{WriteBytes: store.MaxWriteBytes + 1},
		{WriteKeys: store.MaxWriteKeys + 1},
		{StoredBytes: store.MaxStoredBytes + 1},
	} {
		if _, err := mk("capped", over); !errors.Is(err, meta.ErrInvalidArgument) || !strings.Contains(err.Error(), "cap") {
			t.Errorf("settings %+v: %v, want ErrInvalidArgument naming the cap", over, err)
		}
	}

	c.must(meta.Request{Op: meta.OpDeleteShard, Namespace: "a", Name: "default"}, nil)
	var ns meta.Namespace
	out, err := c.query(meta.Request{Op: meta.OpGetNamespace, Namespace: "a"})
	if err != nil || meta.Decode(out, &ns) != nil {
		t.Fatal(err)
	}
	if ns.Usage.StoredBytes != 100<<20 || ns.Quota.StoredBytes != quota {
		t.Errorf("after deleting the default shard: usage %+v of quota %+v, want 100 MiB of %d", ns.Usage, ns.Quota, quota)
	}
}

// TestShardCaps checks a namespace's caps on what its shards may set: a
// shard that asks for nothing gets the default or the cap, whichever is
// lower; one that asks for more than the cap is refused; and no cap may
// be set above the cluster's.
func TestShardCaps(t *testing.T) {
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	fuelCap, keysCap := int64(1_000_000), int64(50_000)
	c.must(meta.Request{Op: meta.OpSetQuota, Namespace: "a", QuotaChange: &meta.QuotaChange{ShardFuelLimit: &fuelCap, ShardWriteKeysLimit: &keysCap}}, nil)
	c.must(meta.Request{Op: meta.OpPutModule, Namespace: "a", Module: putModule(m1).Module, Wasm: wasmM1}, nil)
	mk := func(name string, s meta.ShardSettings) (meta.Shard, error) {
		s.Replicas = 1
		return c.createShardIn("a", name, m1, s)
	}
	s, err := mk("plain", meta.ShardSettings{})
	if err != nil {
		t.Fatal(err)
	}
	if s.FuelLimit() != uint64(fuelCap) || s.WriteKeys != store.DefaultWriteKeys {
		t.Errorf("a shard that asks for nothing got fuel %d and %d writes, want the cap %d and the default %d", s.FuelLimit(), s.WriteKeys, fuelCap, store.DefaultWriteKeys)
	}
	for _, over := range []meta.ShardSettings{{Fuel: uint64(fuelCap) + 1}, {WriteKeys: uint64(keysCap) + 1}} {
		if _, err := mk("greedy", over); !errors.Is(err, meta.ErrOverQuota) || !strings.Contains(err.Error(), "namespace a's cap") {
			t.Errorf("settings %+v: %v, want ErrOverQuota naming the namespace's cap", over, err)
		}
	}
	if _, err := mk("modest", meta.ShardSettings{WriteKeys: uint64(keysCap)}); err != nil {
		t.Errorf("a shard at the cap: %v", err)
	}
	tooMuch := int64(store.MaxWriteBytes + 1)
	if err := c.do(meta.Request{Op: meta.OpSetQuota, Namespace: "a", QuotaChange: &meta.QuotaChange{ShardWriteBytesLimit: &tooMuch}}).err; !errors.Is(err, meta.ErrInvalidArgument) || !strings.Contains(err.Error(), "cluster's cap") {
		t.Errorf("a namespace cap above the cluster's: %v, want ErrInvalidArgument naming the cluster's cap", err)
	}
}
