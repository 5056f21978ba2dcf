package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/conformance"
	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/testtime"
	synod "github.com/synodhq/synod/sdk/go"
)

// kvModules are the kv examples, by language: the Go one built for the
// test, the others where make examples builds them.
func kvModules(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		"go":             goKV(t),
		"rust":           filepath.Join(repoRoot, "examples/kv-rust/kv-rust.wasm"),
		"c":              filepath.Join(repoRoot, "examples/kv-c/kv-c.wasm"),
		"assemblyscript": filepath.Join(repoRoot, "examples/kv-assemblyscript/kv-assemblyscript.wasm"),
	}
}

// TestKVConformance runs the vectors against a live shard of each kv
// example, then checks that every replica of the four shards holds the
// same keys and values: the same state digest.
func TestKVConformance(t *testing.T) {
	vectors, err := conformance.ReadKVVectors("kv/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	modules := kvModules(t)
	lastIndex := make(map[string]*uint64) // of each language's shard
	t.Run("vectors", func(t *testing.T) {
		for lang, path := range modules {
			wasm, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("the %s kv example: %v (make examples builds it)", lang, err)
			}
			mod, err := client.UploadModule(ctx, wasm)
			if err != nil {
				t.Fatalf("upload the %s kv example: %v", lang, err)
			}
			shard := "kv-" + lang
			if _, err := client.CreateShard(ctx, shard, mod.GetHash(), synod.ShardSettings{}); err != nil {
				t.Fatalf("create %s: %v", shard, err)
			}
			last := new(uint64)
			lastIndex[lang] = last
			t.Run(lang, func(t *testing.T) {
				t.Parallel()
				*last = runVectors(ctx, t, shard, vectors)
			})
		}
	})
	if t.Failed() {
		return
	}
	var first, firstOf string
	for lang := range modules {
		for _, r := range stateDigests(ctx, t, "kv-"+lang, *lastIndex[lang]) {
			of := fmt.Sprintf("the %s kv on host %d", lang, r.host)
			switch {
			case first == "":
				first, firstOf = r.digest, of
			case r.digest != first:
				t.Errorf("%s holds other entries (state digest %s) than %s (%s)", of, r.digest, firstOf, first)
			}
		}
	}
}

// runVectors plays the vectors on shard in order, and returns the index of
// the last command it proposed.
func runVectors(ctx context.Context, t *testing.T, shard string, vectors []conformance.KVVector) (last uint64) {
	for i, v := range vectors {
		var o conformance.Outcome
		if v.Call == "update" {
			var r *synod.ProposeResult
			if r, o.Err = client.Propose(ctx, shard, []byte(v.Input)); o.Err == nil {
				o.Result, last = r.Result, max(last, r.Index)
			}
		} else {
			var r *synod.QueryResult
			if r, o.Err = client.Query(ctx, shard, []byte(v.Input), synod.Linearizable); o.Err == nil {
				o.Result = r.Result
			}
		}
		var e *synod.Error
		switch {
		case o.Err != nil && !errors.As(o.Err, &e):
			t.Fatalf("vector %d, %s %s: %v", i, v.Call, v.Input, o.Err)
		case e != nil && e.Application != nil:
			o.AppError, o.AppCode = true, e.Application.Code
		case e != nil:
			o.Trapped = e.Code == connect.CodeAborted
		}
		if err := v.Check(o); err != nil {
			t.Errorf("vector %d: %v", i, err)
		}
	}
	return last
}

// replicaDigest is the state digest of one replica.
type replicaDigest struct {
	host   uint64
	digest string
}

// stateDigests returns the state digest of every replica of shard, each
// once its host runs it (a host starts its replica of a new shard on its
// own, perhaps after the shard has served calls) and it has applied index.
func stateDigests(ctx context.Context, t *testing.T, shard string, index uint64) []replicaDigest {
	t.Helper()
	sh, err := client.GetShard(ctx, shard)
	if err != nil {
		t.Fatal(err)
	}
	var out []replicaDigest
	for _, r := range sh.GetReplicas() {
		h := hostByID(t, r.GetHostId())
		deadline := time.Now().Add(testtime.Scaled(30 * time.Second))
		for {
			st, err := h.Status(ctx, sh.GetId(), false)
			if err != nil {
				t.Fatal(err)
			}
			var at uint64
			var digest []byte
			if st.HasReplica {
				if at, digest, err = h.StateDigest(sh.GetId()); err != nil {
					t.Fatal(err)
				}
				if at >= index {
					out = append(out, replicaDigest{host: h.ID(), digest: fmt.Sprintf("%x", digest)})
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s on host %d: runs a replica %v, applied index %d, not %d, after %v", shard, h.ID(), st.HasReplica, at, index, testtime.Scaled(30*time.Second))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return out
}

// hostByID returns the cluster's host with the given id.
func hostByID(t *testing.T, id uint64) *host.Host {
	t.Helper()
	for i := range 3 {
		if h := cluster.Host(i); h.ID() == id {
			return h
		}
	}
	t.Fatalf("no host %d in the cluster", id)
	return nil
}
