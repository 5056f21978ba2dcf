package wasm_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/testwasm"
)

// TestProbeOutcomes runs the probe guest's ops that end in a trap, through
// the Go guest SDK: each names its problem, writes nothing the caller must
// keep, and leaves the module able to serve the next call.
func TestProbeOutcomes(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	m := load(t, rt, testwasm.Build(t, probe))
	tests := []struct {
		name  string
		entry wasm.Entry
		in    string
		want  expect
	}{
		{name: "a query that writes", entry: wasm.Query, in: "set", want: expect{trap: "kv_set called from a query: queries are read-only"}},
		{name: "a query that deletes", entry: wasm.Query, in: "delete", want: expect{trap: "kv_delete called from a query: queries are read-only"}},
		{name: "proc_exit", in: "exit", want: expect{trap: "exit_code(3)"}},
		{name: "a key over the limit", in: "bigkey", want: expect{trap: "key of 4097 bytes is over the limit of 4096"}},
		{name: "a value over the limit", in: "bigvalue", want: expect{trap: "value of 1048577 bytes is over the limit of 1048576"}},
		{name: "a panic", in: "panic at the disco", want: expect{trap: "panic: at the disco"}},
		{name: "an unknown op", in: "nope", want: expect{appErr: &outcome.AppError{Code: 400, Message: `unknown update op "nope"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kv := newMemKV("k", "old")
			out, _, err := m.Call(t.Context(), tt.entry, []byte(tt.in), wasm.Env{}, kv)
			tt.want.check(t, out, err)
			if want := map[string]string{"k": "old"}; !maps.Equal(kv.data, want) {
				t.Errorf("store afterwards: got %q, want %q", kv.data, want)
			}
			out, _, err = m.Call(t.Context(), wasm.Update, []byte("put x"), wasm.Env{}, kv)
			expect{}.check(t, out, err)
		})
	}
}

// TestTrapReasonIsTheCallsOwn checks that a trap's reason carries what
// the trapping call wrote to stderr, never what an earlier call of the same
// instance wrote.
func TestTrapReasonIsTheCallsOwn(t *testing.T) {
	t.Parallel()
	m := load(t, newRuntime(t, wasm.Config{PoolSize: 1}), testwasm.Build(t, probe))
	steps := []step{
		{in: "stderr noise from an earlier call", want: expect{}},
		{in: "exit", want: expect{trap: "exit_code(3)"}},
		{in: "stderr noise from an earlier call", want: expect{}},
		{in: "panic second", want: expect{trap: "panic: second"}},
	}
	for _, s := range steps {
		out, _, err := m.Call(t.Context(), wasm.Update, []byte(s.in), wasm.Env{}, newMemKV())
		s.want.check(t, out, err)
		var trap *outcome.Trap
		if errors.As(err, &trap) && strings.Contains(trap.Reason, "noise") {
			t.Errorf("%s: the trap reason %q has an earlier call's stderr", s.in, trap.Reason)
		}
	}
}

// envResult is what the probe's env op reports.
type envResult struct {
	timeNanos int64
	crypto    []byte // 16 bytes of crypto/rand
	mrand     uint64 // math/rand/v2.Uint64
}

func callEnv(t *testing.T, m *wasm.Module, entry wasm.Entry, env wasm.Env) envResult {
	t.Helper()
	out, _, err := m.Call(t.Context(), entry, []byte("env"), env, newMemKV())
	if err != nil {
		t.Fatalf("env: %v", err)
	}
	if len(out) != 32 {
		t.Fatalf("env: got %d bytes, want 32", len(out))
	}
	return envResult{
		timeNanos: int64(binary.BigEndian.Uint64(out)),
		crypto:    out[8:24],
		mrand:     binary.BigEndian.Uint64(out[24:]),
	}
}

// TestDeterministicEnvironment checks that a guest's clock and random
// stream (WASI random_get, which crypto/rand reads) come from the call's Env
// alone: the same Env gives the same values on a reused instance and on
// another runtime (another replica), and another seed gives other random
// bytes.
//
// The probe also reports math/rand/v2.Uint64, which this test does not
// check: Go's runtime seeds that generator from random_get once, while the
// instance starts, so it ignores Env.Seed and differs between a fresh and a
// reused instance.
func TestDeterministicEnvironment(t *testing.T) {
	t.Parallel()
	bin := testwasm.Build(t, probe)
	replicaA := load(t, newRuntime(t, wasm.Config{}), bin)
	replicaB := load(t, newRuntime(t, wasm.Config{}), bin)
	const now = 1_700_000_000_123_456_789
	env := wasm.Env{TimeNanos: now, Seed: wasm.Seed(1024, 7)}

	first := callEnv(t, replicaA, wasm.Update, env)
	if first.timeNanos != now {
		t.Errorf("time.Now: got %d, want %d", first.timeNanos, now)
	}
	// The stream is ChaCha8 from the seed, read from its start: what every
	// host version must give, or replicas of mixed versions would differ.
	want := make([]byte, len(first.crypto))
	_, _ = rand.NewChaCha8(env.Seed).Read(want)
	if !bytes.Equal(first.crypto, want) {
		t.Errorf("random bytes %x, want the seed's ChaCha8 stream %x", first.crypto, want)
	}
	// B's instance has served other calls first.
	callEnv(t, replicaB, wasm.Update, wasm.Env{TimeNanos: 5, Seed: wasm.Seed(1, 1)})
	for _, tc := range []struct {
		name  string
		m     *wasm.Module
		entry wasm.Entry
	}{
		{"same instance again", replicaA, wasm.Update},
		{"as a query", replicaA, wasm.Query},
		{"another replica", replicaB, wasm.Update},
	} {
		got := callEnv(t, tc.m, tc.entry, env)
		if got.timeNanos != now || !bytes.Equal(got.crypto, first.crypto) {
			t.Errorf("%s: got time %d and random %x, want %d and %x", tc.name, got.timeNanos, got.crypto, now, first.crypto)
		}
	}

	for _, seed := range [][32]byte{wasm.Seed(1024, 8), wasm.Seed(1025, 7), {}} {
		got := callEnv(t, replicaA, wasm.Update, wasm.Env{TimeNanos: now + 1, Seed: seed})
		if bytes.Equal(got.crypto, first.crypto) {
			t.Errorf("seed %x gave the same random bytes %x as seed %x", seed, got.crypto, env.Seed)
		}
		if got.timeNanos != now+1 {
			t.Errorf("time.Now: got %d, want %d", got.timeNanos, now+1)
		}
	}
}

func TestSeed(t *testing.T) {
	t.Parallel()
	seeds := map[[32]byte]string{}
	for _, c := range []struct {
		name         string
		shard, index uint64
	}{
		{"shard 1 index 2", 1, 2},
		{"shard 2 index 1", 2, 1},
		{"shard 1 index 3", 1, 3},
		{"shard 0 index 0", 0, 0},
		{"max", ^uint64(0), ^uint64(0)},
	} {
		s := wasm.Seed(c.shard, c.index)
		if s != wasm.Seed(c.shard, c.index) {
			t.Errorf("%s: Seed is not a function of its arguments", c.name)
		}
		if prev, ok := seeds[s]; ok {
			t.Errorf("%s and %s have the same seed", c.name, prev)
		}
		seeds[s] = c.name
	}
}

// TestEveryCallStartsAfresh checks that every update starts from the same
// instance state, whichever instance runs it and whatever that instance
// ran before: a guest global that counts calls reads 1 every time, and the
// same call uses the same fuel, after a success, an application error, a
// trap, a call that grew the memory, queries (which run on warm instances
// and are not reset), and beside a concurrent call that needs a second
// instance.
func TestEveryCallStartsAfresh(t *testing.T) {
	t.Parallel()
	bin := testwasm.Build(t, probe)
	for _, poolSize := range []int{1, 2} {
		t.Run(fmt.Sprintf("pool of %d", poolSize), func(t *testing.T) {
			t.Parallel()
			m := load(t, newRuntime(t, wasm.Config{PoolSize: poolSize}), bin)
			var firstFuel uint64
			expect := func(what string, kv *memKV) {
				t.Helper()
				out, fuel, err := m.Call(t.Context(), wasm.Update, []byte("count k"), wasm.Env{}, kv)
				if err != nil || string(out) != "1" {
					t.Errorf("%s: got (%s, %v), want count 1", what, out, err)
				}
				if firstFuel == 0 {
					firstFuel = fuel
				} else if fuel != firstFuel {
					t.Errorf("%s: used %d fuel, the first call %d", what, fuel, firstFuel)
				}
			}
			expect("first call", newMemKV())
			expect("second call", newMemKV())
			if _, _, err := m.Call(t.Context(), wasm.Update, []byte("nope"), wasm.Env{}, newMemKV()); err == nil {
				t.Fatal("an unknown op succeeded")
			}
			expect("after an application error", newMemKV())
			if _, _, err := m.Call(t.Context(), wasm.Update, []byte("exit"), wasm.Env{}, newMemKV()); err == nil {
				t.Fatal("exit succeeded")
			}
			expect("after a trap", newMemKV())
			// Growing the memory by 64 MiB costs more than the default
			// budget.
			if _, _, err := m.Call(t.Context(), wasm.Update, []byte("grow"), wasm.Env{Fuel: wasm.MaxFuel}, newMemKV()); err != nil {
				t.Fatalf("grow: %v", err)
			}
			expect("after the memory grew", newMemKV())
			queryCount := func(want, why string) {
				t.Helper()
				out, _, err := m.Call(t.Context(), wasm.Query, []byte("count"), wasm.Env{}, newMemKV())
				if err != nil || string(out) != want {
					t.Errorf("query count: got (%s, %v), want %s: %s", out, err, want, why)
				}
			}
			queryCount("1", "a clean instance")
			queryCount("2", "queries reuse a warm instance")
			if _, _, err := m.Call(t.Context(), wasm.Query, []byte("set"), wasm.Env{}, newMemKV()); err == nil {
				t.Fatal("a query that writes succeeded")
			}
			queryCount("1", "a query that trapped leaves its instance reset")
			expect("after queries", newMemKV())

			// A takes an instance and blocks in kv_get until B, which
			// needs another instance, is done.
			entered, release := make(chan struct{}), make(chan struct{})
			blocking := newMemKV()
			blocking.onGet = func(string) error {
				close(entered)
				<-release
				return nil
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				expect("concurrent call A", blocking)
			}()
			<-entered
			expect("concurrent call B", newMemKV())
			close(release)
			<-done
			expect("after two concurrent calls", newMemKV())
		})
	}
}

// TestOutOfFuel checks that a call that never ends runs out of fuel: a
// trap that says so, with the whole budget used, after which the instance
// is not reused. A call cannot be interrupted, so a cancelled context does
// not end it early either.
func TestOutOfFuel(t *testing.T) {
	t.Parallel()
	m := load(t, newRuntime(t, wasm.Config{}), testwasm.Build(t, probe))
	if out, _, err := m.Call(t.Context(), wasm.Update, []byte("count k"), wasm.Env{}, newMemKV()); err != nil || string(out) != "1" {
		t.Fatalf("count: got (%s, %v), want 1", out, err)
	}
	const budget = 5_000_000
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	out, fuel, err := m.Call(ctx, wasm.Update, []byte("spin"), wasm.Env{Fuel: budget}, newMemKV())
	var trap *outcome.Trap
	if !errors.As(err, &trap) || !trap.OutOfFuel || !strings.Contains(trap.Reason, "out of fuel") {
		t.Fatalf("spin: got (%q, %v), want an out-of-fuel trap", out, err)
	}
	if fuel != budget {
		t.Errorf("spin used %d fuel, want all of its %d", fuel, budget)
	}
	out, _, err = m.Call(t.Context(), wasm.Update, []byte("count k"), wasm.Env{}, newMemKV())
	if err != nil || string(out) != "1" {
		t.Errorf("after running out: got (%s, %v), want count 1 (a new instance)", out, err)
	}
}

// TestQueryDeadline checks that a query stops when its context's deadline
// passes, long before its fuel would run out, with an error that says so;
// that its instance is not reused; and that an update is never
// interrupted by its context, whose outcome must be the same on every
// replica.
func TestQueryDeadline(t *testing.T) {
	t.Parallel()
	m := load(t, newRuntime(t, wasm.Config{PoolSize: 1}), testwasm.Build(t, probe))
	if out, _, err := m.Call(t.Context(), wasm.Query, []byte("count"), wasm.Env{}, newMemKV()); err != nil || string(out) != "1" {
		t.Fatalf("count: got (%s, %v), want 1", out, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := m.Call(ctx, wasm.Query, []byte("spin"), wasm.Env{Fuel: wasm.MaxFuel}, newMemKV())
	t.Logf("a query that loops with a budget of %d stopped after %s with a deadline of 50ms", uint64(wasm.MaxFuel), time.Since(start))
	if !errors.Is(err, wasm.ErrInterrupted) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("spin: got %v, want an interruption at the deadline", err)
	}
	if out, _, err := m.Call(t.Context(), wasm.Query, []byte("count"), wasm.Env{}, newMemKV()); err != nil || string(out) != "1" {
		t.Errorf("count after the interruption: got (%s, %v), want 1 (another instance)", out, err)
	}
	cancelled, cancelNow := context.WithCancel(t.Context())
	cancelNow()
	if _, _, err := m.Call(cancelled, wasm.Query, []byte("count"), wasm.Env{}, newMemKV()); !errors.Is(err, wasm.ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Errorf("a query whose context has ended: got %v, want an interruption", err)
	}

	ctx, cancel = context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel()
	const budget = 20_000_000
	_, fuel, err := m.Call(ctx, wasm.Update, []byte("spin"), wasm.Env{Fuel: budget}, newMemKV())
	var trap *outcome.Trap
	if !errors.As(err, &trap) || !trap.OutOfFuel || fuel != budget {
		t.Errorf("an update past its context's deadline: got (%d fuel, %v), want it to run out of its %d fuel", fuel, err, uint64(budget))
	}
}
