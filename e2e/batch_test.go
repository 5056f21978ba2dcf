package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestProposeBatch checks batches through the public API: the commands of
// an independent batch succeed or fail each on its own; an atomic batch
// with a failing command keeps nothing, and says why for each command;
// and a batch of keyed commands sent again gets the first results back.
func TestProposeBatch(t *testing.T) {
	forEachTransport(t, testProposeBatch)
}

func testProposeBatch(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	c.kvShard(t, "batch", 3)
	ctx := context.Background()
	wrong := "nope"
	batch := func(atomic bool, cmds ...*synodv1.BatchCommand) *synodv1.ProposeBatchResponse {
		t.Helper()
		res, err := c.data.ProposeBatch(ctx, connect.NewRequest(&synodv1.ProposeBatchRequest{Shard: "batch", Atomic: atomic, Commands: cmds}))
		if err != nil {
			t.Fatalf("propose batch: %v", err)
		}
		if len(res.Msg.GetResults()) != len(cmds) {
			t.Fatalf("%d results for %d commands", len(res.Msg.GetResults()), len(cmds))
		}
		return res.Msg
	}
	cmd := func(key string, k kvCmd) *synodv1.BatchCommand {
		return &synodv1.BatchCommand{Command: k.bytes(), IdempotencyKey: key}
	}

	res := batch(false, cmd("", kvCmd{Op: "put", Key: "a", Value: "1"}), cmd("", kvCmd{Op: "cas", Key: "a", Expect: &wrong, Value: "2"}), cmd("", kvCmd{Op: "put", Key: "b", Value: "1"}))
	r := res.GetResults()
	if r[0].GetError() != nil || r[2].GetError() != nil || r[1].GetError().GetApplicationError().GetCode() != 409 || r[1].GetError().GetCode() != "failed_precondition" {
		t.Errorf("independent batch: got %v, want the cas alone to fail with the module's 409", r)
	}
	for _, key := range []string{"a", "b"} {
		if got := c.mustQuery(t, "batch", kvCmd{Op: "get", Key: key}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); got.Value != "1" {
			t.Errorf("%s = %q after the independent batch, want 1", key, got.Value)
		}
	}

	res = batch(true, cmd("", kvCmd{Op: "put", Key: "c", Value: "1"}), cmd("", kvCmd{Op: "cas", Key: "a", Expect: &wrong, Value: "2"}), cmd("", kvCmd{Op: "put", Key: "d", Value: "1"}))
	r = res.GetResults()
	if r[0].GetError().GetCode() != "failed_precondition" || r[1].GetError().GetApplicationError().GetCode() != 409 || r[2].GetError() == nil {
		t.Errorf("atomic batch with a failing command: got %v, want every command to fail", r)
	}
	for _, key := range []string{"c", "d"} {
		if got := c.mustQuery(t, "batch", kvCmd{Op: "get", Key: key}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); got.Found {
			t.Errorf("%s was written by an atomic batch that failed", key)
		}
	}

	keyed := []*synodv1.BatchCommand{cmd("e-1", kvCmd{Op: "put", Key: "e", Value: "1"}), cmd("f-1", kvCmd{Op: "put", Key: "f", Value: "1"})}
	first := batch(true, keyed...)
	again := batch(true, keyed...)
	for i, r := range again.GetResults() {
		if r.GetError() != nil || !r.GetReplayed() || r.GetIndex() != first.GetIndex() {
			t.Errorf("command %d of the keyed batch sent again: got %v, want replayed from index %d", i, r, first.GetIndex())
		}
	}
	_, err := c.data.ProposeBatch(ctx, connect.NewRequest(&synodv1.ProposeBatchRequest{Shard: "batch"}))
	if connectCode(t, err) != connect.CodeInvalidArgument {
		t.Errorf("an empty batch: got %v, want invalid_argument", err)
	}
}

// TestConcurrentProposesCoalesce sends many Proposes to one shard at once:
// the gateway commits them in batches (fewer log entries than commands),
// and each caller still gets its own command's outcome, as if it had
// gone alone: a put its result, a failing cas the module's error, a keyed
// command sent again the first result back.
func TestConcurrentProposesCoalesce(t *testing.T) {
	forEachTransport(t, testConcurrentProposesCoalesce)
}

func testConcurrentProposesCoalesce(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	c.kvShard(t, "many", 3)
	const callers = 64
	wrong := "nope"
	cmdOf := func(i int) kvCmd {
		if i%4 == 3 {
			return kvCmd{Op: "cas", Key: fmt.Sprintf("k%02d", i), Expect: &wrong, Value: "v"}
		}
		return kvCmd{Op: "put", Key: fmt.Sprintf("k%02d", i), Value: "v"}
	}
	keyOf := func(i int) string { return fmt.Sprintf("many-%02d", i) }
	// round proposes every command at once and returns each outcome.
	round := func() ([]*synodv1.ProposeResponse, []error) {
		res, errs := make([]*synodv1.ProposeResponse, callers), make([]error, callers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				<-start
				r, err := c.data.Propose(context.Background(), connect.NewRequest(&synodv1.ProposeRequest{
					Shard: "many", Command: cmdOf(i).bytes(), IdempotencyKey: keyOf(i),
				}))
				if errs[i] = err; err == nil {
					res[i] = r.Msg
				}
			})
		}
		close(start)
		wg.Wait()
		return res, errs
	}
	first, errs := round()
	indexes := make(map[uint64]bool)
	for i := range callers {
		if i%4 == 3 {
			var ce *connect.Error
			if !errors.As(errs[i], &ce) || ce.Code() != connect.CodeFailedPrecondition || !strings.Contains(ce.Message(), "409") {
				t.Errorf("caller %d's failing cas: got %v, want the module's 409", i, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("caller %d's put: %v", i, errs[i])
			continue
		}
		indexes[first[i].GetIndex()] = true
		if first[i].GetReplayed() || !strings.Contains(string(first[i].GetResult()), `"ok":true`) {
			t.Errorf("caller %d's put: got %s (replayed %v), want ok", i, first[i].GetResult(), first[i].GetReplayed())
		}
	}
	if len(indexes) >= callers*3/4 {
		t.Errorf("%d puts sent at once took %d log entries: none was coalesced", callers*3/4, len(indexes))
	}
	again, errs := round()
	for i := range callers {
		if i%4 == 3 {
			continue
		}
		if errs[i] != nil || !again[i].GetReplayed() || again[i].GetIndex() != first[i].GetIndex() {
			t.Errorf("caller %d's keyed put sent again: got index %d replayed %v (%v), want index %d replayed", i, again[i].GetIndex(), again[i].GetReplayed(), errs[i], first[i].GetIndex())
		}
	}
	t.Logf("%d puts sent at once took %d log entries", callers*3/4, len(indexes))
}
