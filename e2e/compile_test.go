package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestCompileBombsOnDevProcess uploads, four at once each, the modules of
// issue 11 that kept wazero's compiler busy for minutes (a br_table of
// 200,000 targets, 100,000 nested blocks) to a real `synod dev` process,
// and checks that each upload is refused with invalid_argument naming the
// limit, and that the process then still serves: /healthz, and a real
// module uploaded, run by a new shard and proposed to. The time and CPU
// the refusals took are logged, not asserted.
func TestCompileBombsOnDevProcess(t *testing.T) {
	a := startAttacked(t)
	a.mustServe(t)
	client := &http.Client{Timeout: time.Minute, Transport: access.Bearer(a.token, &http.Transport{})}
	modules := synodv1connect.NewModuleServiceClient(client, a.addr)
	tests := []struct {
		name string
		wasm []byte
		want string
	}{
		{
			name: "br_table of 200,000 targets",
			wasm: bombModule(cat(
				[]byte{0x02, 0x40, 0x20, 0x00, 0x0e}, uvarint(200_000), make([]byte, 200_001), []byte{0x0b},
			)),
			want: "br_table has 200,001 targets, over the limit of 8,192",
		},
		{
			name: "100,000 nested blocks",
			wasm: bombModule(cat(bytes.Repeat([]byte{0x02, 0x40}, 100_000), bytes.Repeat([]byte{0x0b}, 100_000))),
			want: "blocks, loops and ifs nest 8,193 deep, over the limit of 8,192",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, start := a.stats(t), time.Now()
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					_, err := modules.UploadModule(t.Context(), connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: tt.wasm}))
					var ce *connect.Error
					if !errors.As(err, &ce) || ce.Code() != connect.CodeInvalidArgument || !strings.Contains(ce.Message(), tt.want) {
						t.Errorf("got %v, want invalid_argument saying %q", err, tt.want)
					}
				})
			}
			wg.Wait()
			after := a.stats(t)
			t.Logf("4 uploads of %d KiB refused in %v, %.2f CPU-s", len(tt.wasm)>>10,
				time.Since(start).Round(time.Millisecond), after.cpu-before.cpu)
			a.mustServe(t)
		})
	}
	mustRunKV(t, client, a.addr)
}

// mustRunKV uploads the kv example, creates a shard of it and proposes a
// put to it.
func mustRunKV(t *testing.T, client *http.Client, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	up, err := synodv1connect.NewModuleServiceClient(client, addr).UploadModule(ctx,
		connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(t, testwasm.KV)}))
	if err != nil {
		t.Fatalf("upload kv: %v", err)
	}
	if _, err := synodv1connect.NewShardServiceClient(client, addr).CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
		Name: "after-bombs", ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 1,
	})); err != nil {
		t.Fatalf("create shard: %v", err)
	}
	res, err := synodv1connect.NewDataServiceClient(client, addr).Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{
		Shard: "after-bombs", Command: kvCmd{Op: "put", Key: "k", Value: "v"}.bytes(),
	}))
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	if got := string(res.Msg.GetResult()); got != `{"ok":true}` {
		t.Fatalf("propose: got %s, want {\"ok\":true}", got)
	}
}

// bombModule returns a module of one (param i32) function whose body,
// without its final end, is body.
func bombModule(body []byte) []byte {
	section := func(id byte, content []byte) []byte {
		return cat([]byte{id}, uvarint(uint64(len(content))), content)
	}
	fn := cat([]byte{0x00}, body, []byte{0x0b}) // no locals
	return cat([]byte("\x00asm\x01\x00\x00\x00"),
		section(1, []byte{0x01, 0x60, 0x01, 0x7f, 0x00}), // one type: (i32) -> ()
		section(3, []byte{0x01, 0x00}),
		section(10, cat([]byte{0x01}, uvarint(uint64(len(fn))), fn)),
	)
}

func uvarint(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
