package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/internal/testtime"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestCallsOutliveAPausedLeader stops the host process that leads a shard
// (SIGSTOP), as a starved machine stalls one, until the other hosts elect
// another leader, then lets it go on, while clients read the shard
// linearizably and write it with idempotency keys through a gateway
// process. Every call must succeed: Dragonboat forgets, without failing
// them, the read indexes a leader has pending when it learns of a newer
// term, and its proposals that the next leader overwrites, so the calls
// the paused host had taken would otherwise wait for their whole
// deadline instead of being retried.
func TestCallsOutliveAPausedLeader(t *testing.T) {
	pc := startProcessCluster(t, 3)
	gw := pc.gateway(t)
	createKVShard(t, gw, "paused")
	mustSynod(t, gw.addr, "propose", "paused", `{"op":"put","key":"k","value":"v"}`)
	data := synodv1connect.NewDataServiceClient(pc.client(t), gw.addr)

	ctx, stop := context.WithCancel(t.Context())
	var calls, written atomic.Int64
	const readers, writers = 6, 4
	errs := make(chan error, readers+writers)
	// each runs call until the test stops it or a call fails.
	each := func(call func(ctx context.Context, n int) error) {
		for n := 0; ctx.Err() == nil; n++ {
			cctx, cancel := context.WithTimeout(context.Background(), testtime.Scaled(30*time.Second))
			err := call(cctx, n)
			cancel()
			if err != nil {
				errs <- err
				return
			}
			calls.Add(1)
		}
	}
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			each(func(ctx context.Context, _ int) error {
				res, err := data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{
					Shard: "paused", Query: kvCmd{Op: "get", Key: "k"}.bytes(), Consistency: synodv1.Consistency_CONSISTENCY_LINEARIZABLE,
				}))
				switch {
				case err != nil:
					return fmt.Errorf("read: %w", err)
				case decodeKV(t, res.Msg.GetResult()).Value != "v":
					return fmt.Errorf("read %s, want v", res.Msg.GetResult())
				}
				return nil
			})
		})
	}
	for w := range writers {
		wg.Go(func() {
			each(func(ctx context.Context, n int) error {
				key := fmt.Sprintf("w%d-%04d", w, n)
				if _, err := data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{
					Shard: "paused", Command: kvCmd{Op: "put", Key: key, Value: "v"}.bytes(), IdempotencyKey: key,
				})); err != nil {
					return fmt.Errorf("write %s: %w", key, err)
				}
				written.Add(1)
				return nil
			})
		})
	}
	const pauses = 2
	for i := range pauses {
		before := calls.Load()
		waitFor(t, 30*time.Second, func() bool { return calls.Load() > before+50 || len(errs) > 0 })
		p := shardOf(t, gw, "paused")
		paused := pc.hosts[p.leaderHost-1].cmd.Process
		if err := paused.Signal(syscall.SIGSTOP); err != nil {
			t.Fatalf("pause %d: SIGSTOP the leader's host h%d: %v", i, p.leaderHost, err)
		}
		other := p.leaderHost%3 + 1
		asked := hostapi.NewClient(uint64(other), pc.urls[other-1], http.DefaultClient)
		waitFor(t, 30*time.Second, func() bool {
			st := statusOf(asked, p.id)
			return st.HasLeader && st.LeaderReplicaID != p.replicaOn[p.leaderHost]
		})
		if err := paused.Signal(syscall.SIGCONT); err != nil {
			t.Fatalf("pause %d: SIGCONT h%d: %v", i, p.leaderHost, err)
		}
	}
	after := calls.Load()
	waitFor(t, 30*time.Second, func() bool { return calls.Load() > after+50 || len(errs) > 0 })
	stop()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a call across a paused leader failed: %v", err)
	}
	t.Logf("%d calls (%d writes) across %d pauses of the leader's host", calls.Load(), written.Load(), pauses)
}
