package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestModuleSwapIsRefused replays the code-swap attack: a catalogue write
// straight to a host's internal API, over real HTTP, that records other
// bytes (the kv module) under the hash of the counter module. Every host
// refuses it, so the victim's later upload of the real counter module
// records the real bytes, and a shard made from it runs the counter.
func TestModuleSwapIsRefused(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	kv, counter := testwasm.Build(t, testwasm.KV), testwasm.Build(t, testwasm.Counter)
	sum := sha256.Sum256(counter)
	counterHash := hex.EncodeToString(sum[:])

	swap := meta.Request{Op: meta.OpPutModule, Module: &meta.Module{Hash: counterHash, Size: int64(len(kv)), ABIVersion: 1}, Wasm: kv}
	refused := 0
	for i := range 3 {
		mux := http.NewServeMux()
		mux.Handle(hostapi.NewHandler(c.Host(i), 0))
		api := httptest.NewServer(mux)
		t.Cleanup(api.Close)
		_, err := hostapi.NewClient(c.Host(i).ID(), api.URL, api.Client()).RunCatalogue(t.Context(), swap, true)
		switch {
		case err == nil:
			t.Fatalf("host %d recorded kv's bytes under counter's hash", i+1)
		case outcome.KindOf(err) == outcome.Invalid && strings.Contains(err.Error(), "hash"):
			refused++
		case outcome.KindOf(err) != outcome.NotLeader:
			t.Fatalf("host %d: got %v (%v), want a refusal naming the hash, or not the leader", i+1, err, outcome.KindOf(err))
		}
	}
	if refused != 1 {
		t.Fatalf("%d hosts refused the swap, want the meta leader to", refused)
	}

	up, err := c.modules.UploadModule(t.Context(), connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: counter}))
	if err != nil {
		t.Fatal(err)
	}
	if got := up.Msg.GetModule(); got.GetHash() != counterHash || got.GetSizeBytes() != int64(len(counter)) {
		t.Fatalf("upload of counter = %v, want hash %s and %d bytes", got, counterHash, len(counter))
	}
	if _, err := c.shards.CreateShard(t.Context(), connect.NewRequest(&synodv1.CreateShardRequest{Name: "count", ModuleHash: counterHash, ReplicaCount: 3})); err != nil {
		t.Fatal(err)
	}
	res, err := c.data.Propose(context.Background(), connect.NewRequest(&synodv1.ProposeRequest{Shard: "count", Command: []byte("2")}))
	if err != nil {
		t.Fatalf("counter add: %v", err)
	}
	if got := string(res.Msg.GetResult()); got != "2" {
		t.Fatalf("counter add = %q, want 2: the shard does not run the counter", got)
	}
}
