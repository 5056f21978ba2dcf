package synod_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"connectrpc.com/connect"

	synod "github.com/synodhq/synod/sdk/go"
)

func TestPropose(t *testing.T) {
	t.Parallel()
	ctx, c := t.Context(), newClient(t)
	put := kvCmd{Op: "put", Key: t.Name(), Value: "1"}.bytes()

	auto, err := c.Propose(ctx, kvShard, put)
	if err != nil {
		t.Fatalf("Propose: %v", err)
	}
	if len(auto.IdempotencyKey) < 26 || auto.Replayed || auto.Index == 0 || auto.FuelUsed == 0 || string(auto.Result) != `{"ok":true}` {
		t.Fatalf("Propose with a generated key = %+v", auto)
	}
	if again, err := c.Propose(ctx, kvShard, put); err != nil || again.IdempotencyKey == auto.IdempotencyKey || again.Replayed {
		t.Fatalf("Propose again = %+v, %v: want a new key, not replayed", again, err)
	}

	key := t.Name() + "/" + rand.Text() // a new key on every run
	first, err := c.Propose(ctx, kvShard, put, synod.WithIdempotencyKey(key))
	if err != nil {
		t.Fatalf("Propose with a key: %v", err)
	}
	replay, err := c.Propose(ctx, kvShard, put, synod.WithIdempotencyKey(key))
	if err != nil {
		t.Fatalf("Propose with the same key: %v", err)
	}
	if first.Replayed || !replay.Replayed || replay.Index != first.Index || !bytes.Equal(replay.Result, first.Result) || replay.IdempotencyKey != key {
		t.Fatalf("Propose twice with one key = %+v then %+v: want the first's index and result, replayed", first, replay)
	}

	var indexes []uint64
	for range 2 {
		res, err := c.Propose(ctx, kvShard, put, synod.WithoutIdempotencyKey())
		if err != nil {
			t.Fatalf("Propose without a key: %v", err)
		}
		if res.IdempotencyKey != "" || res.Replayed {
			t.Fatalf("Propose without a key = %+v", res)
		}
		indexes = append(indexes, res.Index)
	}
	if indexes[0] == indexes[1] {
		t.Fatalf("two Proposes without a key ran at one index %d", indexes[0])
	}
	if _, err := c.Propose(ctx, kvShard, put, synod.WithIdempotencyKey("k"), synod.WithoutIdempotencyKey()); err == nil {
		t.Fatal("Propose with a key and without one: no error")
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	ctx, c := t.Context(), newClient(t)
	put, err := c.Propose(ctx, kvShard, kvCmd{Op: "put", Key: t.Name(), Value: "v"}.bytes())
	if err != nil {
		t.Fatalf("Propose: %v", err)
	}
	get := kvCmd{Op: "get", Key: t.Name()}.bytes()
	for _, tc := range []struct {
		name        string
		consistency synod.Consistency
		seesPut     bool // whether the read must see the put
	}{
		{"zero", synod.Consistency{}, true},
		{"linearizable", synod.Linearizable, true},
		{"at least index", synod.AtLeastIndex(put.Index), true},
		{"stale", synod.Stale, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.Query(ctx, kvShard, get, tc.consistency)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			g := decodeGet(t, res.Result)
			if tc.seesPut && (res.Index < put.Index || !g.Found || g.Value != "v") {
				t.Fatalf("Query = %s at index %d, want the put of index %d", res.Result, res.Index, put.Index)
			}
			if res.Index == 0 || res.FuelUsed == 0 {
				t.Fatalf("Query = index %d, fuel %d", res.Index, res.FuelUsed)
			}
		})
	}
	if _, err := c.Query(ctx, kvShard, get, synod.AtLeastIndex(0)); asError(t, err).Code != connect.CodeInvalidArgument {
		t.Fatalf("Query at least index 0: %v, want invalid_argument", err)
	}
}

func TestBatch(t *testing.T) {
	t.Parallel()
	ctx, c := t.Context(), newClient(t)
	a, b, bKey := t.Name()+"/a", t.Name()+"/b", rand.Text()
	none := "none"
	cmds := []synod.Command{
		{Data: kvCmd{Op: "put", Key: a, Value: "1"}.bytes()},
		{Data: kvCmd{Op: "cas", Key: a, Expect: &none, Value: "2"}.bytes()}, // a is 1: mismatch
		{Data: kvCmd{Op: "put", Key: b, Value: "1"}.bytes(), IdempotencyKey: bKey},
	}
	res, err := c.ProposeBatch(ctx, kvShard, synod.Batch{Commands: cmds})
	if err != nil {
		t.Fatalf("ProposeBatch: %v", err)
	}
	if len(res.Results) != 3 || res.Index == 0 {
		t.Fatalf("ProposeBatch = %+v", res)
	}
	for i, r := range res.Results {
		if r.Index != res.Index || r.IdempotencyKey == "" || r.Replayed {
			t.Fatalf("command %d: %+v, want index %d, a key, not replayed", i, r, res.Index)
		}
	}
	if res.Results[0].Err != nil || res.Results[2].Err != nil || res.Results[2].IdempotencyKey != bKey {
		t.Fatalf("independent batch: commands 0 and 2 = %+v, %+v: want success, 2 with key %s", res.Results[0], res.Results[2], bKey)
	}
	e := asError(t, res.Results[1].Err)
	if !synod.IsApplicationError(e) || e.Application.Code != 409 || e.Applied != synod.AppliedYes || e.Code != connect.CodeFailedPrecondition {
		t.Fatalf("the cas mismatch: %+v, want application error 409, applied", e)
	}

	// Sent again with the same keys, the batch's commands are replayed.
	for i := range cmds {
		cmds[i].IdempotencyKey = res.Results[i].IdempotencyKey
	}
	again, err := c.ProposeBatch(ctx, kvShard, synod.Batch{Commands: cmds})
	if err != nil {
		t.Fatalf("ProposeBatch again: %v", err)
	}
	for i, r := range again.Results {
		if !r.Replayed || r.Index != res.Index {
			t.Fatalf("command %d sent again: %+v, want replayed at %d", i, r, res.Index)
		}
	}

	// In an atomic batch, the cas mismatch fails every command.
	atomic, err := c.ProposeBatch(ctx, kvShard, synod.Batch{Atomic: true, Commands: []synod.Command{
		{Data: kvCmd{Op: "put", Key: b, Value: "2"}.bytes()},
		{Data: kvCmd{Op: "cas", Key: a, Expect: &none, Value: "2"}.bytes()},
	}})
	if err != nil {
		t.Fatalf("atomic ProposeBatch: %v", err)
	}
	for i, r := range atomic.Results {
		if e := asError(t, r.Err); e.Applied != synod.AppliedYes {
			t.Fatalf("atomic batch, command %d: %+v, want a failure, applied", i, e)
		}
	}
	if !synod.IsApplicationError(atomic.Results[1].Err) {
		t.Fatalf("atomic batch, the cas: %v, want an application error", atomic.Results[1].Err)
	}
	q, err := c.Query(ctx, kvShard, kvCmd{Op: "get", Key: b}.bytes(), synod.Linearizable)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if g := decodeGet(t, q.Result); g.Value != "1" {
		t.Fatalf("after the failed atomic batch, b = %q, want 1", g.Value)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	ctx, c := t.Context(), newClient(t)
	if _, err := c.Propose(ctx, kvShard, kvCmd{Op: "put", Key: t.Name(), Value: "1"}.bytes()); err != nil {
		t.Fatalf("Propose: %v", err)
	}
	none := "none"
	for _, tc := range []struct {
		name     string
		shard    string
		cmd      kvCmd
		code     connect.Code
		applied  synod.Applied
		app      uint32 // the module's error code; 0 for none
		usesFuel bool
	}{
		{"cas mismatch", kvShard, kvCmd{Op: "cas", Key: t.Name(), Expect: &none, Value: "2"}, connect.CodeFailedPrecondition, synod.AppliedYes, 409, true},
		{"bad command", kvShard, kvCmd{Op: "nope"}, connect.CodeFailedPrecondition, synod.AppliedYes, 400, true},
		{"trap", kvShard, kvCmd{Op: "put_then_trap", Key: t.Name(), Value: "3"}, connect.CodeAborted, synod.AppliedYes, 0, true},
		{"unknown shard", "nope", kvCmd{Op: "put", Key: "k", Value: "v"}, connect.CodeNotFound, synod.AppliedNo, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Propose(ctx, tc.shard, tc.cmd.bytes())
			e := asError(t, err)
			if e.Code != tc.code || connect.CodeOf(err) != tc.code || e.Applied != tc.applied {
				t.Fatalf("error %v: code %v, applied %v; want %v, %v", err, e.Code, e.Applied, tc.code, tc.applied)
			}
			if synod.IsApplicationError(err) != (tc.app != 0) || (tc.app != 0 && e.Application.Code != tc.app) {
				t.Fatalf("error %v: application error %+v, want code %d", err, e.Application, tc.app)
			}
			if (e.FuelUsed > 0) != tc.usesFuel {
				t.Fatalf("error %v: fuel used %d", err, e.FuelUsed)
			}
		})
	}
}

func TestWrongToken(t *testing.T) {
	t.Parallel()
	ctx, c := t.Context(), newClient(t, synod.WithToken("synod_wrong"))
	if _, err := c.ListShards(ctx); asError(t, err).Code != connect.CodeUnauthenticated {
		t.Fatalf("ListShards with a wrong token: %v, want unauthenticated", err)
	}
	_, err := c.Propose(ctx, kvShard, kvCmd{Op: "put", Key: t.Name(), Value: "1"}.bytes())
	if e := asError(t, err); e.Code != connect.CodeUnauthenticated || e.Applied != synod.AppliedNo {
		t.Fatalf("Propose with a wrong token: %v (applied %v), want unauthenticated, not applied", err, e.Applied)
	}
}

func TestDeadline(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	_, err := c.Propose(ctx, kvShard, kvCmd{Op: "put", Key: t.Name(), Value: "1"}.bytes())
	if e := asError(t, err); e.Code != connect.CodeDeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Propose past its deadline: %v, want deadline_exceeded", err)
	}
}
