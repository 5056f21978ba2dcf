package synod_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	synod "github.com/synodhq/synod/sdk/go"
)

// newClient returns a client of the test cluster with its admin key,
// configured further by opts.
func newClient(t *testing.T, opts ...synod.Option) *synod.Client {
	t.Helper()
	c, err := synod.NewClient(cluster.URL(), append([]synod.Option{synod.WithToken(cluster.AdminToken())}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// kvCmd is a command or query of the kv example (examples/kv/README.md).
type kvCmd struct {
	Op     string  `json:"op"`
	Key    string  `json:"key,omitempty"`
	Value  string  `json:"value,omitempty"`
	Expect *string `json:"expect,omitempty"`
}

func (k kvCmd) bytes() []byte {
	b, err := json.Marshal(k)
	if err != nil {
		panic(err)
	}
	return b
}

// kvGet is the result of a kv get.
type kvGet struct {
	Value string `json:"value"`
	Found bool   `json:"found"`
}

func decodeGet(t *testing.T, b []byte) kvGet {
	t.Helper()
	var g kvGet
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("decode get result %q: %v", b, err)
	}
	return g
}

// asError returns the [*synod.Error] in err's chain, or fails the test.
func asError(t *testing.T, err error) *synod.Error {
	t.Helper()
	var e *synod.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *synod.Error", err, err)
	}
	return e
}

func TestModules(t *testing.T) {
	t.Parallel()
	ctx, c := t.Context(), newClient(t)

	path := filepath.Join(t.TempDir(), "kv.wasm")
	if err := os.WriteFile(path, kvWasm, 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile, err := c.UploadModuleFile(ctx, path)
	if err != nil {
		t.Fatalf("UploadModuleFile: %v", err)
	}
	if fromFile.GetHash() != kvHash || fromFile.GetSizeBytes() != int64(len(kvWasm)) {
		t.Fatalf("UploadModuleFile = %s of %d bytes, want %s of %d", fromFile.GetHash(), fromFile.GetSizeBytes(), kvHash, len(kvWasm))
	}
	got, err := c.GetModule(ctx, kvHash)
	if err != nil {
		t.Fatalf("GetModule: %v", err)
	}
	if !slices.Contains(got.GetShards(), kvShard) {
		t.Fatalf("GetModule: shards %v, want %s among them", got.GetShards(), kvShard)
	}
	list, err := c.ListModules(ctx)
	if err != nil {
		t.Fatalf("ListModules: %v", err)
	}
	if !slices.ContainsFunc(list, func(m *synodv1.Module) bool { return m.GetHash() == kvHash }) {
		t.Fatalf("ListModules has no %s", kvHash)
	}
	if e := asError(t, c.DeleteModule(ctx, kvHash)); e.Code != connect.CodeFailedPrecondition {
		t.Fatalf("DeleteModule of a module in use: code %v, want failed_precondition", e.Code)
	}

	// A module in no shard's use is deleted for good. Its upload
	// compiles it on every host, which under the race detector on a busy
	// machine takes long: its deadline is generous.
	uploadCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	counter, err := c.UploadModule(uploadCtx, testwasm.Build(t, testwasm.Counter))
	if err != nil {
		t.Fatalf("UploadModule: %v", err)
	}
	if err := c.DeleteModule(ctx, counter.GetHash()); err != nil {
		t.Fatalf("DeleteModule: %v", err)
	}
	_, err = c.GetModule(ctx, counter.GetHash())
	if e := asError(t, err); e.Code != connect.CodeNotFound || connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("GetModule of a deleted module: %v, want not_found", err)
	}
}

func TestShards(t *testing.T) {
	t.Parallel()
	ctx, c := t.Context(), newClient(t)
	settings := synod.ShardSettings{
		Replicas: 1, FuelLimit: 5_000_000, WriteBytesLimit: 1 << 20, WriteKeysLimit: 100,
		StoredBytesLimit: 8 << 20, IdempotencyWindow: time.Hour,
	}
	created, err := c.CreateShard(ctx, "settings", kvHash, settings)
	if err != nil {
		t.Fatalf("CreateShard: %v", err)
	}
	got, err := c.GetShard(ctx, "settings")
	if err != nil {
		t.Fatalf("GetShard: %v", err)
	}
	for _, s := range []*synodv1.Shard{created, got} {
		if s.GetReplicaCount() != 1 || s.GetFuelLimit() != 5_000_000 || s.GetWriteBytesLimit() != 1<<20 ||
			s.GetWriteKeysLimit() != 100 || s.GetStoredBytesLimit() != 8<<20 || s.GetIdempotencyWindowSeconds() != 3600 ||
			s.GetModuleHash() != kvHash || s.GetNamespace() != synod.DefaultNamespace {
			t.Fatalf("shard %v does not have the settings %+v", s, settings)
		}
	}
	list, err := c.ListShards(ctx)
	if err != nil {
		t.Fatalf("ListShards: %v", err)
	}
	if !slices.ContainsFunc(list, func(s *synodv1.Shard) bool { return s.GetName() == "settings" }) {
		t.Fatal("ListShards has no shard settings")
	}
	if err := c.DeleteShard(ctx, "settings"); err != nil {
		t.Fatalf("DeleteShard: %v", err)
	}
	if _, err := c.GetShard(ctx, "settings"); asError(t, err).Code != connect.CodeNotFound {
		t.Fatalf("GetShard of a deleted shard: %v, want not_found", err)
	}
	if _, err := c.CreateShard(ctx, "window", kvHash, synod.ShardSettings{IdempotencyWindow: 1500 * time.Millisecond}); err == nil {
		t.Fatal("CreateShard with an idempotency window of 1.5 s: no error")
	}
}
