package fsm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/outcome"
)

// script is an executor for the state machine's own tests: its payload is
// a list of commands separated by ";", run in order:
//
//	set K V    writes K = V
//	del K      deletes K
//	call       appends "shard/index/time" of the call to the output
//	fail       returns an application error (code 7)
//	trap       returns a trap
//	hostfail   returns an error that is neither (a failure of the host)
//	slow       returns wasm.ErrWatchdog, as a call that ran too long
//
// Queries take "get K" and "call".
type script struct {
	commits int
}

var errDisk = errors.New("disk on fire")

func (x *script) Update(_ context.Context, c fsm.Call, payload []byte, txn *store.Txn) (fsm.Output, error) {
	out, err := x.update(c, payload, txn)
	return fsm.Output{Data: out}, err
}

func (x *script) update(c fsm.Call, payload []byte, txn *store.Txn) ([]byte, error) {
	var out []byte
	for cmd := range strings.SplitSeq(string(payload), ";") {
		f := strings.Fields(cmd)
		var err error
		switch f[0] {
		case "set":
			err = txn.Set([]byte(f[1]), []byte(f[2]))
		case "del":
			err = txn.Delete([]byte(f[1]))
		case "call":
			out = fmt.Appendf(out, "%d/%d/%d", c.ShardID, c.Index, c.TimeNanos)
		case "fail":
			return nil, &outcome.AppError{Code: 7, Message: "failed as asked"}
		case "trap":
			return nil, &outcome.Trap{Reason: "trapped as asked"}
		case "hostfail":
			return nil, errDisk
		case "hostoutcome":
			// A host failure that has an outcome, but not an applied one.
			return nil, fmt.Errorf("load module: %w", errUnavailable)
		case "refuse":
			return nil, errRefused
		case "slow":
			return nil, fmt.Errorf("call: %w", wasm.ErrWatchdog)
		default:
			return nil, fmt.Errorf("script: unknown command %q", cmd)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (x *script) Query(_ context.Context, c fsm.Call, payload []byte, view *store.View) (fsm.Output, error) {
	out, err := query(c, payload, view)
	return fsm.Output{Data: out}, err
}

func query(c fsm.Call, payload []byte, view *store.View) ([]byte, error) {
	f := strings.Fields(string(payload))
	switch f[0] {
	case "get":
		v, ok, err := view.Get([]byte(f[1]))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &outcome.AppError{Code: 404, Message: "not found"}
		}
		return v, nil
	case "call":
		return fmt.Appendf(nil, "%d/%d/%d", c.ShardID, c.Index, c.TimeNanos), nil
	case "at": // the key's value, then the applied index and clock
		v, _, err := view.Get([]byte(f[1]))
		return fmt.Appendf(nil, "%s %d %d", v, c.Index, c.TimeNanos), err
	}
	return nil, fmt.Errorf("script: unknown query %q", payload)
}

func (x *script) Committed() { x.commits++ }

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir(), store.Options{CacheBytes: 1 << 20, MemTableBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// cmd is one proposed command: its stamp and payload.
type cmd struct {
	stamp   int64
	payload string
}

// entries numbers commands as log entries from first.
func entries(first uint64, cmds ...cmd) []sm.Entry {
	es := make([]sm.Entry, len(cmds))
	for i, c := range cmds {
		es[i] = sm.Entry{Index: first + uint64(i), Cmd: fsm.EncodeCommand(c.stamp, fsm.Budget{}, nil, []byte(c.payload))}
	}
	return es
}

// result is a decoded entry result.
type result struct {
	index uint64
	out   string
	err   error
}

func update(t *testing.T, s *fsm.StateMachine, es []sm.Entry) []result {
	t.Helper()
	got, err := s.Update(es)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if len(got) != len(es) {
		t.Fatalf("Update returned %d entries for %d", len(got), len(es))
	}
	rs := make([]result, len(got))
	for i, e := range got {
		res, err := fsm.DecodeResult(e.Result)
		rs[i] = result{res.Index, string(res.Output), err}
		if res.Index != es[i].Index {
			t.Errorf("entry %d: result has index %d", es[i].Index, res.Index)
		}
	}
	return rs
}

func lookup(t *testing.T, s *fsm.StateMachine, payload string) *fsm.QueryResult {
	t.Helper()
	r, err := s.Lookup(&fsm.QueryRequest{Payload: []byte(payload)})
	if err != nil {
		t.Fatalf("Lookup(%q): %v", payload, err)
	}
	return r.(*fsm.QueryResult)
}

func userState(t *testing.T, db *store.DB, shard uint64) map[string]string {
	t.Helper()
	v := db.View(shard)
	defer v.Close()
	kvs, err := v.Scan(nil, nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = string(kv.Value)
	}
	return m
}

func isAppError(code uint32) func(error) bool {
	return func(err error) bool {
		var ae *outcome.AppError
		return errors.As(err, &ae) && ae.Code == code
	}
}

func isTrap(reason string) func(error) bool {
	return func(err error) bool {
		var trap *outcome.Trap
		return errors.As(err, &trap) && strings.Contains(trap.Reason, reason)
	}
}

// TestUpdateBatch checks that in one batch an entry that fails (an
// application error or a trap) loses exactly its own writes, the others
// keep theirs, and each entry's result is its own.
func TestUpdateBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cmds  []string
		want  []func(error) bool // nil: success
		state map[string]string
	}{
		{
			name:  "failures between successes",
			cmds:  []string{"set a 1", "set a 2;set b 2;fail", "set c 3", "del a;set d 4;trap", "set e 5"},
			want:  []func(error) bool{nil, isAppError(7), nil, isTrap("trapped as asked"), nil},
			state: map[string]string{"a": "1", "c": "3", "e": "5"},
		},
		{
			name:  "a failure undoes overwrites and deletes of earlier entries' keys",
			cmds:  []string{"set a 1;set b 2", "set a 9;del b;set n 1;fail", "set c 3"},
			want:  []func(error) bool{nil, isAppError(7), nil},
			state: map[string]string{"a": "1", "b": "2", "c": "3"},
		},
		{
			name:  "a malformed command is a trap that writes nothing",
			cmds:  []string{"set a 1", "\x00malformed", "set b 2"},
			want:  []func(error) bool{nil, isTrap("malformed command"), nil},
			state: map[string]string{"a": "1", "b": "2"},
		},
		{
			name:  "every entry fails",
			cmds:  []string{"set a 1;fail", "set b 1;trap"},
			want:  []func(error) bool{isAppError(7), isTrap("trapped")},
			state: map[string]string{"x": "kept"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t)
			x := &script{}
			s := fsm.New(9, db, x)
			update(t, s, entries(1, cmd{1, "set x kept"}))
			if tt.state["x"] == "" {
				update(t, s, entries(2, cmd{1, "del x"}))
			}
			first := uint64(3)
			es := entries(first, func() []cmd {
				var cs []cmd
				for _, c := range tt.cmds {
					cs = append(cs, cmd{10, c})
				}
				return cs
			}()...)
			for i := range es {
				if strings.HasPrefix(tt.cmds[i], "\x00") {
					es[i].Cmd = []byte(tt.cmds[i])
				}
			}
			for i, r := range update(t, s, es) {
				switch {
				case tt.want[i] == nil && r.err != nil:
					t.Errorf("entry %d (%q): %v", r.index, tt.cmds[i], r.err)
				case tt.want[i] != nil && !tt.want[i](r.err):
					t.Errorf("entry %d (%q): unexpected outcome (%q, %v)", r.index, tt.cmds[i], r.out, r.err)
				}
			}
			if got := userState(t, db, 9); !mapsEqual(got, tt.state) {
				t.Errorf("state: got %q, want %q", got, tt.state)
			}
			last := first + uint64(len(es)) - 1
			if got, err := s.Open(nil); err != nil || got != last {
				t.Errorf("Open: got (%d, %v), want applied index %d", got, err, last)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestClock checks that the shard's clock, which the executor sees, is the
// largest stamp so far: it never goes backwards within a batch, across
// batches, or for queries.
func TestClock(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(5, db, &script{})
	batches := [][]int64{{100, 50, 200, 150}, {10}, {300, 299}}
	want := [][]int64{{100, 100, 200, 200}, {200}, {300, 300}}
	index := uint64(1)
	for b, stamps := range batches {
		var cs []cmd
		for _, st := range stamps {
			cs = append(cs, cmd{st, "call"})
		}
		for i, r := range update(t, s, entries(index, cs...)) {
			if w := fmt.Sprintf("5/%d/%d", index+uint64(i), want[b][i]); r.err != nil || r.out != w {
				t.Errorf("batch %d entry %d: got (%q, %v), want %q", b, i, r.out, r.err, w)
			}
		}
		index += uint64(len(stamps))
		q := lookup(t, s, "call")
		if w := fmt.Sprintf("5/%d/%d", index-1, want[b][len(stamps)-1]); q.Err != nil || string(q.Output) != w {
			t.Errorf("query after batch %d: got (%q, %v), want %q", b, q.Output, q.Err, w)
		}
	}
	// A malformed entry leaves the clock alone.
	es := entries(index, cmd{1000, "call"})
	es[0].Cmd = []byte{0x01}
	update(t, s, es)
	if q := lookup(t, s, "call"); string(q.Output) != fmt.Sprintf("5/%d/300", index) {
		t.Errorf("after a malformed entry: got %q, want clock 300 at index %d", q.Output, index)
	}
}

// TestLookup checks that a query reads the applied state and reports its
// applied index, and that its outcome is its own.
func TestLookup(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(3, db, &script{})
	if q := lookup(t, s, "call"); q.Index != 0 || string(q.Output) != "3/0/0" {
		t.Errorf("before any entry: got index %d, output %q", q.Index, q.Output)
	}
	update(t, s, entries(1, cmd{5, "set a 1"}, cmd{6, "set b 2"}))
	update(t, s, entries(3, cmd{7, "set a 3;fail"}))
	for _, tc := range []struct {
		query string
		out   string
		err   func(error) bool
	}{
		{query: "get a", out: "1"},
		{query: "get b", out: "2"},
		{query: "get zz", err: isAppError(404)},
		{query: "call", out: "3/3/7"},
	} {
		q := lookup(t, s, tc.query)
		if q.Index != 3 {
			t.Errorf("%s: got applied index %d, want 3", tc.query, q.Index)
		}
		if tc.err != nil {
			if !tc.err(q.Err) || q.Output != nil {
				t.Errorf("%s: got (%q, %v)", tc.query, q.Output, q.Err)
			}
		} else if q.Err != nil || string(q.Output) != tc.out {
			t.Errorf("%s: got (%q, %v), want %q", tc.query, q.Output, q.Err, tc.out)
		}
	}
	if _, err := s.Lookup(&fsm.QueryRequest{Payload: []byte("nonsense")}); err == nil {
		t.Error("a host failure in a query was not an error")
	}
	if _, err := s.Lookup("not a request"); err == nil {
		t.Error("Lookup of a foreign type was not an error")
	}
}

// Errors of the script's host failures and refusal.
var (
	errUnavailable = outcome.New(outcome.Unavailable, outcome.AppliedNo, 0, "module not loaded")
	errRefused     = outcome.New(outcome.NotFound, outcome.AppliedYes, outcome.CodeShardNotFound, "refused as asked")
)

// TestHostFailure checks that an error that is not a guest outcome (nor an
// applied refusal) fails the whole batch, even one that has an outcome of
// its own: nothing of it is committed, and Committed is not called.
func TestHostFailure(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, cmd string
		want      error
	}{
		{name: "plain error", cmd: "hostfail", want: errDisk},
		{name: "unapplied outcome", cmd: "hostoutcome", want: errUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t)
			x := &script{}
			s := fsm.New(4, db, x)
			update(t, s, entries(1, cmd{1, "set a 1"}))
			_, err := s.Update(entries(2, cmd{1, "set b 2"}, cmd{1, "set c 3;" + tt.cmd}, cmd{1, "set d 4"}))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want an error wrapping %v", err, tt.want)
			}
			if got, want := userState(t, db, 4), map[string]string{"a": "1"}; !mapsEqual(got, want) {
				t.Errorf("state: got %q, want %q", got, want)
			}
			if i, _ := db.AppliedIndex(4); i != 1 {
				t.Errorf("applied index %d, want 1", i)
			}
			if x.commits != 1 {
				t.Errorf("Committed called %d times, want 1", x.commits)
			}
		})
	}
}

// TestRefusal checks that an executor's refusal is the entry's outcome:
// its writes are rolled back, the batch goes on, and the proposer decodes
// an error of the refusal's kind and code that says it was applied.
func TestRefusal(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(4, db, &script{})
	got := update(t, s, entries(1, cmd{1, "set a 1"}, cmd{1, "set b 2;refuse"}, cmd{1, "set c 3"}))
	err := got[1].err
	switch {
	case !errors.Is(err, errRefused):
		t.Fatalf("refused entry: got %v, want %v", err, errRefused)
	case outcome.AppliedOf(err) != outcome.AppliedYes || outcome.KindOf(err) != outcome.NotFound:
		t.Errorf("refused entry: (%v, %v), want (not found, applied)", outcome.KindOf(err), outcome.AppliedOf(err))
	case err.Error() != "refused as asked":
		t.Errorf("refused entry: message %q", err)
	}
	if got, want := userState(t, db, 4), map[string]string{"a": "1", "c": "3"}; !mapsEqual(got, want) {
		t.Errorf("state: got %q, want %q", got, want)
	}
}

// TestHalt checks that an entry whose call ran past the watchdog halts the
// replica: nothing of its batch is recorded, its entries and every later
// one come back as not applied, reads and snapshots are refused, and a
// restarted replica replays from the last entry it recorded.
func TestHalt(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(5, db, &script{})
	var halts []uint64
	s.OnHalt = func(index uint64, err error) {
		if !errors.Is(err, wasm.ErrWatchdog) {
			t.Errorf("OnHalt: got %v, want the watchdog", err)
		}
		halts = append(halts, index)
	}
	update(t, s, entries(1, cmd{1, "set a 1"}))
	rs := update(t, s, entries(2, cmd{1, "set b 2"}, cmd{1, "set c 3;slow"}, cmd{1, "set d 4"}))
	if rs[0].err != nil || !errors.Is(rs[1].err, fsm.ErrHalted) || !errors.Is(rs[2].err, fsm.ErrHalted) {
		t.Errorf("results: got %+v, want entry 2 applied, 3 and 4 halted", rs)
	}
	rs = update(t, s, entries(5, cmd{1, "set e 5"}))
	if !errors.Is(rs[0].err, fsm.ErrHalted) {
		t.Errorf("entry after the halt: got %+v, want halted", rs[0])
	}
	if len(halts) != 1 || halts[0] != 3 {
		t.Errorf("OnHalt calls: got %v, want one, for entry 3", halts)
	}
	if got, want := userState(t, db, 5), map[string]string{"a": "1"}; !mapsEqual(got, want) {
		t.Errorf("state: got %q, want %q", got, want)
	}
	if i, _ := db.AppliedIndex(5); i != 1 {
		t.Errorf("applied index %d, want 1", i)
	}
	if _, err := s.Lookup(&fsm.QueryRequest{Payload: []byte("get a")}); !errors.Is(err, fsm.ErrHalted) {
		t.Errorf("Lookup: got %v, want ErrHalted", err)
	}
	if _, err := s.PrepareSnapshot(); !errors.Is(err, sm.ErrSnapshotAborted) {
		t.Errorf("PrepareSnapshot: got %v, want ErrSnapshotAborted", err)
	}

	restarted := fsm.New(5, db, &script{})
	if i, err := restarted.Open(nil); err != nil || i != 1 {
		t.Fatalf("Open after the halt: got (%d, %v), want 1", i, err)
	}
	update(t, restarted, entries(2, cmd{1, "set b 2"}, cmd{1, "set c 3"}, cmd{1, "set d 4"}))
	if got, want := userState(t, db, 5), map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}; !mapsEqual(got, want) {
		t.Errorf("state after the replay: got %q, want %q", got, want)
	}
}

// TestLookupWhileApplying checks that a query's applied index and clock
// are those of the state it reads, while entries are applied: each entry
// writes its index as its stamp and as the value of one key.
func TestLookupWhileApplying(t *testing.T) {
	t.Parallel()
	s := fsm.New(3, openDB(t), &script{})
	const last = 2000
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := int64(1); i <= last; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Update(entries(uint64(i), cmd{i, fmt.Sprintf("set n %d", i)})); err != nil {
				t.Errorf("Update: %v", err)
				return
			}
			if i == last/2 {
				// A snapshot of the same state replaces it: the next
				// entry forgets what the replica knew, while queries run.
				snap, err := snapshot(s)
				if err == nil {
					err = s.RecoverFromSnapshot(snap, nil)
				}
				if err != nil {
					t.Errorf("recover from a snapshot: %v", err)
					return
				}
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			if reads < 100 {
				t.Logf("only %d queries ran while entries were applied", reads)
			}
			return
		default:
		}
		q := lookup(t, s, "at n")
		var value, index, clock uint64
		if _, err := fmt.Sscanf(string(q.Output), "%d %d %d", &value, &index, &clock); q.Index == 0 || err != nil {
			continue // before the first entry
		}
		if value != index || clock != index || q.Index != index {
			t.Errorf("a query read the value of entry %d at applied index %d (reported %d) and clock %d", value, index, q.Index, clock)
			return
		}
	}
}

// TestSnapshot moves a shard's state through the state machine's snapshot
// path into another state machine under another shard id.
func TestSnapshot(t *testing.T) {
	t.Parallel()
	src := fsm.New(10, openDB(t), &script{})
	update(t, src, entries(1, cmd{50, "set a 1;set b 2"}, cmd{60, "del a;set c 3"}))
	ctx, err := src.PrepareSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	update(t, src, entries(3, cmd{70, "set later 1"}))
	var buf bytes.Buffer
	if err := src.SaveSnapshot(ctx, &buf, nil); err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	dst := fsm.New(11, db, &script{})
	update(t, dst, entries(1, cmd{999, "set stale 1"}))
	if err := dst.RecoverFromSnapshot(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if i, err := dst.Open(nil); err != nil || i != 2 {
		t.Errorf("Open after recovery: got (%d, %v), want 2", i, err)
	}
	if got, want := userState(t, db, 11), map[string]string{"b": "2", "c": "3"}; !mapsEqual(got, want) {
		t.Errorf("state: got %q, want %q", got, want)
	}
	if q := lookup(t, dst, "call"); string(q.Output) != "11/2/60" {
		t.Errorf("query after recovery: got %q, want 11/2/60", q.Output)
	}
	if err := src.SaveSnapshot("not a snapshot", &buf, nil); err == nil {
		t.Error("SaveSnapshot of a foreign context was not an error")
	}
}

func TestDecodeResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    sm.Result
		ok   bool
	}{
		{name: "too short", r: sm.Result{Data: []byte{1, 2}}},
		{name: "no fuel", r: sm.Result{Data: make([]byte, 12)}},
		{name: "application error without a code", r: sm.Result{Value: 1, Data: make([]byte, 18)}},
		{name: "unknown outcome", r: sm.Result{Value: 9, Data: make([]byte, 16)}},
		{name: "success", r: sm.Result{Data: append(make([]byte, 16), 'x')}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := fsm.DecodeResult(tt.r)
			if tt.ok != (err == nil) {
				t.Errorf("got (%q, %v)", res.Output, err)
			}
			var ae *outcome.AppError
			var trap *outcome.Trap
			if !tt.ok && (errors.As(err, &ae) || errors.As(err, &trap)) {
				t.Errorf("a malformed result decoded as a guest outcome: %v", err)
			}
		})
	}
}
