package fsm_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/sched"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/testwasm"
)

// replica is one replica of a shard running the kv example: its own
// runtime, store and state machine.
type replica struct {
	db *store.DB
	sm *fsm.StateMachine
}

func newReplica(t *testing.T, shard uint64) replica {
	t.Helper()
	rt, err := wasm.NewRuntime(t.Context(), wasm.Config{CacheDir: testwasm.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	bin := testwasm.Build(t, testwasm.KV)
	m, err := rt.Load(t.Context(), wasm.Hash(bin), bin)
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	return replica{db: db, sm: fsm.New(shard, db, fsm.NewWasmExecutor(m, sched.New(1)))}
}

// TestWasmExecutor runs the kv example through the state machine on two
// replicas: entries that fail lose their writes, the rest keep theirs, and
// both replicas reach the same results and the same state.
func TestWasmExecutor(t *testing.T) {
	t.Parallel()
	const shard = 1024
	replicas := []replica{newReplica(t, shard), newReplica(t, shard)}
	batches := [][]cmd{
		{
			{100, `{"op":"put","key":"a","value":"1"}`},
			{101, `{"op":"put_then_fail","key":"a","value":"2"}`},
			{102, `{"op":"put_then_trap","key":"b","value":"2"}`},
			{103, `{"op":"put","key":"c","value":"3"}`},
		},
		{
			{90, `{"op":"put","key":"empty","value":""}`},
			{91, `{"op":"cas","key":"c","expect":"3","value":"33"}`},
			{92, `{"op":"cas","key":"c","expect":"3","value":"333"}`},
			{93, `not json`},
		},
	}
	want := [][]expect{
		{{out: `{"ok":true}`}, {code: 500}, {trap: "put_then_trap"}, {out: `{"ok":true}`}},
		{{out: `{"ok":true}`}, {out: `{"ok":true}`}, {code: 409}, {code: 400}},
	}
	var results [2][]string
	index := uint64(1)
	for b, batch := range batches {
		for r, rep := range replicas {
			for i, res := range update(t, rep.sm, entries(index, batch...)) {
				want[b][i].check(t, fmt.Sprintf("replica %d entry %d", r, res.index), res)
				results[r] = append(results[r], fmt.Sprintf("%s|%v", res.out, res.err))
			}
		}
		index += uint64(len(batch))
	}
	for _, tc := range []struct {
		query string
		want  expect
	}{
		{`{"op":"get","key":"a"}`, expect{out: `{"key":"a","value":"1","found":true}`}},
		{`{"op":"get","key":"b"}`, expect{out: `{"key":"b","found":false}`}},
		{`{"op":"get","key":"empty"}`, expect{out: `{"key":"empty","value":"","found":true}`}},
		{`{"op":"list"}`, expect{out: `{"items":[{"key":"a","value":"1"},{"key":"c","value":"33"},{"key":"empty","value":""}]}`}},
		{`{"op":"put","key":"q","value":"1"}`, expect{code: 400}},
	} {
		for r, rep := range replicas {
			q := lookup(t, rep.sm, tc.query)
			if q.Index != index-1 {
				t.Errorf("replica %d %s: read at index %d, want %d", r, tc.query, q.Index, index-1)
			}
			tc.want.check(t, fmt.Sprintf("replica %d %s", r, tc.query), result{out: string(q.Output), err: q.Err})
		}
	}
	if fmt.Sprint(results[0]) != fmt.Sprint(results[1]) {
		t.Errorf("replicas disagree on results:\n%q\n%q", results[0], results[1])
	}
	var snaps [2][]byte
	for r, rep := range replicas {
		var buf bytes.Buffer
		if err := rep.db.Snapshot(shard).WriteTo(&buf, nil); err != nil {
			t.Fatal(err)
		}
		snaps[r] = buf.Bytes()
	}
	if !bytes.Equal(snaps[0], snaps[1]) {
		t.Error("replicas disagree on state")
	}
}

// expect is what an entry or query must return.
type expect struct {
	out  string
	code uint32 // an application error's code
	trap string // a substring of a trap's reason
}

func (w expect) check(t *testing.T, what string, r result) {
	t.Helper()
	switch {
	case w.code != 0:
		if !isAppError(w.code)(r.err) {
			t.Errorf("%s: got (%q, %v), want application error %d", what, r.out, r.err, w.code)
		}
	case w.trap != "":
		if !isTrap(w.trap)(r.err) {
			t.Errorf("%s: got (%q, %v), want a trap saying %q", what, r.out, r.err, w.trap)
		}
	case r.err != nil || r.out != w.out:
		t.Errorf("%s: got (%q, %v), want %q", what, r.out, r.err, w.out)
	}
}
