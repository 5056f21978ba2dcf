package wasm_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/testwasm"
)

// step is one call of a sequence and what it must return.
type step struct {
	entry wasm.Entry
	in    string
	want  expect
}

// run runs steps against kv as the host does: a failed call's writes are
// discarded by the caller, which is the contract of Module.Call.
func run(t *testing.T, m *wasm.Module, kv *memKV, steps []step) {
	t.Helper()
	for i, s := range steps {
		before := maps.Clone(kv.data)
		out, _, err := m.Call(t.Context(), s.entry, []byte(s.in), wasm.Env{}, kv)
		if err != nil {
			kv.data = before
		}
		t.Logf("step %d: %s", i, s.in)
		s.want.check(t, out, err)
	}
}

func TestCallKV(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	m := load(t, rt, testwasm.Build(t, testwasm.KV))
	ok := expect{out: `{"ok":true}`}
	tests := []struct {
		name  string
		steps []step
		state map[string]string // the store afterwards
	}{
		{
			name: "put, get and list",
			steps: []step{
				{in: `{"op":"put","key":"b","value":"2"}`, want: ok},
				{in: `{"op":"put","key":"ab","value":"3"}`, want: ok},
				{in: `{"op":"put","key":"a","value":"1"}`, want: ok},
				{in: `{"op":"put","key":"c","value":"4"}`, want: ok},
				{entry: wasm.Query, in: `{"op":"get","key":"a"}`, want: expect{out: `{"key":"a","value":"1","found":true}`}},
				{in: `{"op":"get","key":"ab"}`, want: expect{out: `{"key":"ab","value":"3","found":true}`}},
				{entry: wasm.Query, in: `{"op":"get","key":"zz"}`, want: expect{out: `{"key":"zz","found":false}`}},
				{entry: wasm.Query, in: `{"op":"list","prefix":"a"}`, want: expect{out: `{"items":[{"key":"a","value":"1"},{"key":"ab","value":"3"}]}`}},
				{entry: wasm.Query, in: `{"op":"list","limit":2}`, want: expect{out: `{"items":[{"key":"a","value":"1"},{"key":"ab","value":"3"}],"more":true}`}},
				{entry: wasm.Query, in: `{"op":"list"}`, want: expect{out: `{"items":[{"key":"a","value":"1"},{"key":"ab","value":"3"},{"key":"b","value":"2"},{"key":"c","value":"4"}]}`}},
			},
			state: map[string]string{"a": "1", "ab": "3", "b": "2", "c": "4"},
		},
		{
			name: "overwrite and delete",
			steps: []step{
				{in: `{"op":"put","key":"a","value":"1"}`, want: ok},
				{in: `{"op":"put","key":"a","value":"2"}`, want: ok},
				{in: `{"op":"put","key":"b","value":"3"}`, want: ok},
				{in: `{"op":"delete","key":"b"}`, want: ok},
				{in: `{"op":"delete","key":"b"}`, want: ok},
				{entry: wasm.Query, in: `{"op":"get","key":"a"}`, want: expect{out: `{"key":"a","value":"2","found":true}`}},
			},
			state: map[string]string{"a": "2"},
		},
		{
			name: "cas",
			steps: []step{
				{in: `{"op":"cas","key":"a","value":"1"}`, want: ok},
				{in: `{"op":"cas","key":"a","value":"2"}`, want: expect{appErr: &outcome.AppError{Code: 409, Message: `cas "a": key exists`}}},
				{in: `{"op":"cas","key":"a","expect":"9","value":"2"}`, want: expect{appErr: &outcome.AppError{Code: 409, Message: `cas "a": value differs from expect`}}},
				{in: `{"op":"cas","key":"a","expect":"1","value":"2"}`, want: ok},
				{in: `{"op":"cas","key":"b","expect":"1","value":"2"}`, want: expect{appErr: &outcome.AppError{Code: 409, Message: `cas "b": key does not exist`}}},
			},
			state: map[string]string{"a": "2"},
		},
		{
			name: "put_then_fail is an application error",
			steps: []step{
				{in: `{"op":"put","key":"a","value":"1"}`, want: ok},
				{in: `{"op":"put_then_fail","key":"a","value":"2"}`, want: expect{appErr: &outcome.AppError{Code: 500, Message: "put_then_fail: failing after the write, as asked"}}},
				{in: `{"op":"put_then_fail","key":"b","value":"2"}`, want: expect{appErr: &outcome.AppError{Code: 500, Message: "put_then_fail: failing after the write, as asked"}}},
				{entry: wasm.Query, in: `{"op":"get","key":"a"}`, want: expect{out: `{"key":"a","value":"1","found":true}`}},
			},
			state: map[string]string{"a": "1"},
		},
		{
			name: "put_then_trap traps and the next call works",
			steps: []step{
				{in: `{"op":"put","key":"a","value":"1"}`, want: ok},
				{in: `{"op":"put_then_trap","key":"a","value":"2"}`, want: expect{trap: "put_then_trap: trapping after the write, as asked"}},
				{in: `{"op":"put_then_trap","key":"b","value":"2"}`, want: expect{trap: "put_then_trap: trapping after the write, as asked"}},
				{entry: wasm.Query, in: `{"op":"get","key":"a"}`, want: expect{out: `{"key":"a","value":"1","found":true}`}},
				{in: `{"op":"put","key":"b","value":"3"}`, want: ok},
			},
			state: map[string]string{"a": "1", "b": "3"},
		},
		{
			name: "bad commands",
			steps: []step{
				{in: `{"op":"nope"}`, want: expect{appErr: &outcome.AppError{Code: 400, Message: `unknown op "nope"`}}},
				{in: `{"op":"put","key":"a"}`, want: expect{appErr: &outcome.AppError{Code: 400, Message: "put: missing value"}}},
				{entry: wasm.Query, in: `{"op":"put","key":"a","value":"1"}`, want: expect{appErr: &outcome.AppError{Code: 400, Message: `op "put" writes: propose it as an update, not a query`}}},
			},
			state: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kv := newMemKV()
			run(t, m, kv, tt.steps)
			if !maps.Equal(kv.data, tt.state) {
				t.Errorf("store afterwards: got %q, want %q", kv.data, tt.state)
			}
		})
	}
}

// TestCallFailureLeavesRollbackToCaller checks the contract of Call on a
// guest failure: the error and no output, with the writes left for the
// caller to discard, which a store transaction does with Rollback.
func TestCallFailureLeavesRollbackToCaller(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	m := load(t, rt, testwasm.Build(t, testwasm.KV))
	db, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	const shard = 7

	txn := db.Txn(shard)
	defer txn.Close()
	calls := []struct {
		in      string
		wantErr func(error) bool
	}{
		{`{"op":"put","key":"a","value":"1"}`, func(err error) bool { return err == nil }},
		{`{"op":"put_then_fail","key":"a","value":"2"}`, func(err error) bool { var ae *outcome.AppError; return errors.As(err, &ae) && ae.Code == 500 }},
		{`{"op":"put_then_trap","key":"b","value":"2"}`, func(err error) bool { var tr *outcome.Trap; return errors.As(err, &tr) }},
		{`{"op":"put","key":"c","value":"3"}`, func(err error) bool { return err == nil }},
	}
	for _, c := range calls {
		if err := txn.Begin(store.Limits{}); err != nil {
			t.Fatal(err)
		}
		out, _, err := m.Call(t.Context(), wasm.Update, []byte(c.in), wasm.Env{}, txn)
		if !c.wantErr(err) {
			t.Fatalf("%s: unexpected error %v", c.in, err)
		}
		if err != nil {
			if out != nil {
				t.Errorf("%s: got output %q with the error %v", c.in, out, err)
			}
			if err := txn.Rollback(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := txn.Commit(4); err != nil {
		t.Fatal(err)
	}
	v := db.View(shard)
	defer v.Close()
	got, err := v.Scan(nil, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "1", "c": "3"}
	if state := kvMap(got); !maps.Equal(state, want) {
		t.Errorf("committed state: got %q, want %q", state, want)
	}
}

func kvMap(kvs []store.KV) map[string]string {
	m := make(map[string]string)
	for _, kv := range kvs {
		m[string(kv.Key)] = string(kv.Value)
	}
	return m
}

// TestCallHostFailure checks that a storage failure during a call is the
// host's error, not a guest outcome, and keeps its cause.
func TestCallHostFailure(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	m := load(t, rt, testwasm.Build(t, testwasm.KV))
	errDisk := errors.New("disk on fire")
	kv := newMemKV()
	kv.onGet = func(string) error { return errDisk }
	_, _, err := m.Call(t.Context(), wasm.Update, []byte(`{"op":"get","key":"a"}`), wasm.Env{}, kv)
	if !errors.Is(err, errDisk) {
		t.Fatalf("got %v, want an error wrapping %v", err, errDisk)
	}
	var ae *outcome.AppError
	var trap *outcome.Trap
	if errors.As(err, &ae) || errors.As(err, &trap) {
		t.Errorf("a host failure was reported as a guest outcome: %v", err)
	}
	kv.onGet = nil
	out, _, err := m.Call(t.Context(), wasm.Update, []byte(`{"op":"get","key":"a"}`), wasm.Env{}, kv)
	expect{out: `{"key":"a","found":false}`}.check(t, out, err)
}

// TestCallConcurrent runs calls of one module from many goroutines, each
// on its own store: the pool must never share an instance.
func TestCallConcurrent(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{PoolSize: 2})
	m := load(t, rt, testwasm.Build(t, testwasm.KV))
	const workers, calls = 4, 10
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			kv := newMemKV()
			for i := range calls {
				key := string(rune('a'+w)) + string(rune('0'+i))
				if _, _, err := m.Call(context.Background(), wasm.Update, []byte(`{"op":"put","key":"`+key+`","value":"v"}`), wasm.Env{}, kv); err != nil {
					errs <- err
					return
				}
			}
			out, _, err := m.Call(context.Background(), wasm.Query, []byte(`{"op":"list"}`), wasm.Env{}, kv)
			if err == nil && len(kv.data) != calls {
				err = errors.New("wrong number of keys: " + string(out))
			}
			errs <- err
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
