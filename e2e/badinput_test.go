package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestBadInput sends every kind of bad input and checks the documented
// Connect code, a message that names the problem, and that nothing changed.
func TestBadInput(t *testing.T) { forEachTransport(t, testBadInput) }

func testBadInput(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	s := c.kvShard(t, "good", 3)
	c.mustPropose(t, "good", kvCmd{Op: "put", Key: "k", Value: "v"})
	before := snapshot(t, c)

	// An empty but well-formed module: no memory, no entry points.
	emptyModule := []byte("\x00asm\x01\x00\x00\x00")
	unknownHash := strings.Repeat("ab", 32)

	tests := []struct {
		name string
		call func(ctx context.Context) error
		code connect.Code
		msg  string
	}{
		{
			name: "bytes that are not wasm",
			call: func(ctx context.Context) error {
				_, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: []byte("hello, not wasm")}))
				return err
			},
			code: connect.CodeInvalidArgument, msg: "not a valid WebAssembly binary",
		},
		{
			name: "module without the required exports",
			call: func(ctx context.Context) error {
				_, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: emptyModule}))
				return err
			},
			code: connect.CodeInvalidArgument, msg: `does not export its memory as "memory"`,
		},
		{
			name: "empty upload",
			call: func(ctx context.Context) error {
				_, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{}))
				return err
			},
			code: connect.CodeInvalidArgument, msg: "wasm is empty",
		},
		{
			name: "propose to an unknown shard",
			call: func(ctx context.Context) error {
				_, err := c.propose(ctx, "nope", kvCmd{Op: "put", Key: "k", Value: "v"})
				return err
			},
			code: connect.CodeNotFound, msg: `shard "nope" not found`,
		},
		{
			name: "query an unknown shard",
			call: func(ctx context.Context) error {
				_, err := c.data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{Shard: "nope", Query: []byte("{}")}))
				return err
			},
			code: connect.CodeNotFound, msg: `shard "nope" not found`,
		},
		{
			name: "shard of an unknown module",
			call: func(ctx context.Context) error {
				_, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Name: "new", ModuleHash: unknownHash}))
				return err
			},
			code: connect.CodeNotFound, msg: "module " + unknownHash + " not found",
		},
		{
			name: "get an unknown module",
			call: func(ctx context.Context) error {
				_, err := c.modules.GetModule(ctx, connect.NewRequest(&synodv1.GetModuleRequest{Hash: unknownHash}))
				return err
			},
			code: connect.CodeNotFound, msg: "module " + unknownHash + " not found",
		},
		{
			name: "malformed module hash",
			call: func(ctx context.Context) error {
				_, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Name: "new", ModuleHash: "xyz"}))
				return err
			},
			code: connect.CodeInvalidArgument, msg: `module hash "xyz" is not a lowercase hex SHA-256`,
		},
		{
			name: "invalid shard name",
			call: func(ctx context.Context) error {
				_, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Name: "Bad_Name", ModuleHash: s.GetModuleHash()}))
				return err
			},
			code: connect.CodeInvalidArgument, msg: `invalid shard name "Bad_Name"`,
		},
		{
			name: "shard name of a megabyte",
			call: func(ctx context.Context) error {
				_, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Name: strings.Repeat("a", 1<<20), ModuleHash: s.GetModuleHash()}))
				return err
			},
			code: connect.CodeInvalidArgument, msg: "shard name of 1048576 bytes: use 1 to 63",
		},
		{
			name: "namespace of a megabyte",
			call: func(ctx context.Context) error {
				_, err := c.shards.GetShard(ctx, connect.NewRequest(&synodv1.GetShardRequest{Namespace: strings.Repeat("a", 1<<20), Name: "good"}))
				if err != nil && len(err.Error()) > 1000 {
					return fmt.Errorf("an error of %d bytes: %.100s", len(err.Error()), err)
				}
				return err
			},
			code: connect.CodeInvalidArgument, msg: "invalid namespace",
		},
		{
			name: "invalid replica count",
			call: func(ctx context.Context) error {
				_, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Name: "new", ModuleHash: s.GetModuleHash(), ReplicaCount: 2}))
				return err
			},
			code: connect.CodeInvalidArgument, msg: "invalid replica count 2",
		},
		{
			name: "taken shard name",
			call: func(ctx context.Context) error {
				_, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Name: "good", ModuleHash: s.GetModuleHash()}))
				return err
			},
			code: connect.CodeAlreadyExists, msg: `shard "good" already exists`,
		},
		{
			name: "delete a module in use",
			call: func(ctx context.Context) error {
				_, err := c.modules.DeleteModule(ctx, connect.NewRequest(&synodv1.DeleteModuleRequest{Hash: s.GetModuleHash()}))
				return err
			},
			code: connect.CodeFailedPrecondition, msg: `used by shards ["good"]`,
		},
		{
			name: "oversized command",
			call: func(ctx context.Context) error {
				_, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "good", Command: make([]byte, 5<<20)}))
				return err
			},
			code: connect.CodeResourceExhausted, msg: "payload too large (limit 4194304)",
		},
		{
			name: "oversized request message",
			call: func(ctx context.Context) error {
				_, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: make([]byte, 21<<20)}))
				return err
			},
			code: connect.CodeResourceExhausted, msg: "larger than this server's limit of 20971520 bytes",
		},
		{
			name: "command the module rejects",
			call: func(ctx context.Context) error {
				_, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "good", Command: []byte("{not json")}))
				return err
			},
			code: connect.CodeFailedPrecondition, msg: "module error 400: bad command",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context())
			if err == nil {
				t.Fatal("call succeeded, want an error")
			}
			if code := connectCode(t, err); code != tt.code {
				t.Fatalf("code = %v, want %v (%v)", code, tt.code, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("message %q does not contain %q", err.Error(), tt.msg)
			}
		})
	}

	t.Run("malformed JSON request", func(t *testing.T) {
		for _, body := range []string{`{"shard": 5}`, `not json at all`} {
			res, err := c.Client().Post(c.URL()+"/synod.v1.DataService/Propose", "application/json", bytes.NewBufferString(body))
			if err != nil {
				t.Fatalf("post: %v", err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var e struct{ Code, Message string }
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatalf("body %q: %v", b, err)
			}
			if res.StatusCode != http.StatusBadRequest || e.Code != "invalid_argument" || !strings.Contains(e.Message, "unmarshal") {
				t.Fatalf("body %q: status %d, error %+v; want 400 invalid_argument naming the unmarshal failure", body, res.StatusCode, e)
			}
		}
	})

	if after := snapshot(t, c); !after.equal(before) {
		t.Fatalf("bad input changed the cluster:\nbefore %+v\nafter  %+v", before, after)
	}
}

// clusterState is what bad input must not change.
type clusterState struct {
	modules []string
	shards  []string
	items   []kvItem
}

func (a clusterState) equal(b clusterState) bool {
	return slices.Equal(a.modules, b.modules) && slices.Equal(a.shards, b.shards) && slices.Equal(a.items, b.items)
}

func snapshot(tb testing.TB, c *cluster) clusterState {
	tb.Helper()
	ctx := context.Background()
	var st clusterState
	mods, err := c.modules.ListModules(ctx, connect.NewRequest(&synodv1.ListModulesRequest{}))
	if err != nil {
		tb.Fatalf("list modules: %v", err)
	}
	for _, m := range mods.Msg.GetModules() {
		st.modules = append(st.modules, m.GetHash())
	}
	shards, err := c.shards.ListShards(ctx, connect.NewRequest(&synodv1.ListShardsRequest{}))
	if err != nil {
		tb.Fatalf("list shards: %v", err)
	}
	for _, s := range shards.Msg.GetShards() {
		st.shards = append(st.shards, s.GetName())
	}
	st.items = c.mustQuery(tb, "good", kvCmd{Op: "list"}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE).Items
	return st
}
