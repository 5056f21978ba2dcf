package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/testtime"
	synod "github.com/synodhq/synod/sdk/go"
)

// vector is one call of kv/vectors.json (README.md).
type vector struct {
	Call   string  `json:"call"`
	Input  string  `json:"input"`
	Output *string `json:"output"`
	Error  uint32  `json:"error"`
	Trap   bool    `json:"trap"`
}

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
	b, err := os.ReadFile("kv/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []vector
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatalf("kv/vectors.json: %v", err)
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
func runVectors(ctx context.Context, t *testing.T, shard string, vectors []vector) (last uint64) {
	for i, v := range vectors {
		var res []byte
		var err error
		switch v.Call {
		case "update":
			var r *synod.ProposeResult
			if r, err = client.Propose(ctx, shard, []byte(v.Input)); err == nil {
				res, last = r.Result, max(last, r.Index)
			}
		case "query":
			var r *synod.QueryResult
			if r, err = client.Query(ctx, shard, []byte(v.Input), synod.Linearizable); err == nil {
				res = r.Result
			}
		default:
			t.Fatalf("vector %d: call %q is neither update nor query", i, v.Call)
		}
		var e *synod.Error
		switch {
		case err != nil && !errors.As(err, &e):
			t.Fatalf("vector %d, %s %s: %v", i, v.Call, v.Input, err)
		case v.Trap:
			if e == nil || e.Code != connect.CodeAborted || e.Application != nil {
				t.Errorf("vector %d, %s %s: got %q, %v; want a trap (aborted)", i, v.Call, v.Input, res, err)
			}
		case v.Output != nil:
			if err != nil || !bytes.Equal(res, []byte(*v.Output)) {
				t.Errorf("vector %d, %s %s: got %q, %v; want %q", i, v.Call, v.Input, res, err, *v.Output)
			}
		default:
			if e == nil || e.Application == nil || e.Application.Code != v.Error {
				t.Errorf("vector %d, %s %s: got %q, %v; want application error %d", i, v.Call, v.Input, res, err, v.Error)
			}
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
// once it has applied index.
func stateDigests(ctx context.Context, t *testing.T, shard string, index uint64) []replicaDigest {
	t.Helper()
	sh, err := client.GetShard(ctx, shard)
	if err != nil {
		t.Fatal(err)
	}
	var out []replicaDigest
	for i := range 3 {
		h := cluster.Host(i)
		st, err := h.Status(ctx, sh.GetId())
		if err != nil {
			t.Fatal(err)
		}
		if !st.HasReplica {
			continue
		}
		deadline := time.Now().Add(testtime.Scaled(30 * time.Second))
		for {
			at, digest, err := h.StateDigest(sh.GetId())
			if err != nil {
				t.Fatal(err)
			}
			if at >= index {
				out = append(out, replicaDigest{host: h.ID(), digest: fmt.Sprintf("%x", digest)})
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s on host %d: applied index %d, not %d, after 30 s", shard, h.ID(), at, index)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if len(out) != len(sh.GetReplicas()) {
		t.Fatalf("%s: %d replicas on the hosts, %d in its description", shard, len(out), len(sh.GetReplicas()))
	}
	return out
}
