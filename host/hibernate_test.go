package host_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/testtime"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestStatusDoesNotWaitForAWake lets a replica hibernate, holds the lock
// a wake of it holds while the machine it stopped closes and a new one
// starts (which can take up to the waking call's deadline), and asks the
// host for the shard's status: the answer must come at once, and say the
// replica hibernates.
func TestStatusDoesNotWaitForAWake(t *testing.T) {
	c, err := dev.Start(t.Context(), dev.Config{
		DataDir:  t.TempDir(),
		CacheDir: testwasm.CacheDir(t),
		Listen:   "127.0.0.1:0",
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Hosts:    3,
		Host:     host.Config{HibernateAfter: time.Second},
	})
	if err != nil {
		t.Fatalf("start dev cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close dev cluster: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), testtime.Scaled(2*time.Minute))
	defer cancel()
	up, err := synodv1connect.NewModuleServiceClient(c.Client(), c.URL()).UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(t, testwasm.KV)}))
	if err != nil {
		t.Fatalf("upload kv: %v", err)
	}
	created, err := synodv1connect.NewShardServiceClient(c.Client(), c.URL()).CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Name: "sleepy", ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 3}))
	if err != nil {
		t.Fatalf("create shard: %v", err)
	}
	id, h := created.Msg.GetShard().GetId(), c.Host(0)
	for {
		st, err := h.Status(ctx, id, false)
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		if st.Hibernating {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the replica did not hibernate: %+v", st)
		case <-time.After(10 * time.Millisecond):
		}
	}

	release := host.HoldSleeper(h, id)
	defer release()
	answered := make(chan host.ReplicaStatus, 1)
	go func() {
		st, _ := h.Status(context.Background(), id, false)
		answered <- st
	}()
	select {
	case st := <-answered:
		if !st.HasReplica || !st.Hibernating {
			t.Errorf("status during a wake: %+v; want a hibernating replica", st)
		}
	case <-time.After(testtime.Scaled(10 * time.Second)):
		t.Fatal("the status call waited for the wake")
	}
}
