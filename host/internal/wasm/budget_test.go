package wasm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/testwasm"
)

// growing returns a module whose _initialize grows its memory (one page
// to start with) by pages; tag tells modules apart that are otherwise
// the same. Its update and query read a key, which lets a test hold a
// call on an instance (see blockingKV).
func growing(pages, tag int32) []byte {
	read := code(i32(0), i32(1), i32(0), i32(0), call(0), []byte{opDrop}, i32(0))
	m := guestModule([]wimport{impKVGet}, read, read)
	m.funcs = append(m.funcs, wfunc{
		export: "_initialize",
		body:   code(i32(pages), []byte{0x40, 0x00, opDrop}, i32(tag), []byte{opDrop}), // memory.grow
	})
	return m.bytes()
}

// blockingKV is a store whose reads wait for release, after saying on
// entered that they started.
func blockingKV() (kv *memKV, entered chan string, release chan struct{}) {
	entered, release = make(chan string, 16), make(chan struct{})
	kv = newMemKV()
	kv.onGet = func(string) error {
		entered <- "read"
		<-release
		return nil
	}
	return kv, entered, release
}

// waitEntered waits for n calls to start reading, failing the test if
// they do not within a generous deadline.
func waitEntered(t *testing.T, entered <-chan string, n int, what string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for i := range n {
		select {
		case <-entered:
		case <-deadline:
			t.Fatalf("%s: only %d of %d calls started", what, i, n)
		}
	}
}

// TestReleaseFreesModule checks that a module is kept only while held: its
// last release closes its instances, the idle ones at once and a busy one
// when its call ends, and frees its image; loading it again compiles it
// again. Validation holds a module only while it runs.
func TestReleaseFreesModule(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	bin := growing(159, 1) // 10 MiB once started
	m := load(t, rt, bin)
	const size = 160 * 64 << 10
	if got, want := rt.Usage(), (wasm.Usage{Modules: 1, Instances: 1, Idle: 1, Bytes: 2 * size}); got != want {
		t.Fatalf("loaded: usage %+v, want %+v (the image and one idle instance)", got, want)
	}

	kv, entered, release := blockingKV()
	done := make(chan error)
	go func() {
		_, _, err := m.Call(context.Background(), wasm.Query, nil, wasm.Env{}, kv)
		done <- err
	}()
	waitEntered(t, entered, 1, "query")
	m.Release()
	if got, want := rt.Usage(), (wasm.Usage{Modules: 0, Instances: 1, Idle: 0, Bytes: 2 * size}); got != want {
		t.Errorf("released with a call running: usage %+v, want %+v", got, want)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the running call: %v", err)
	}
	if got := rt.Usage(); got != (wasm.Usage{}) {
		t.Errorf("released, its call ended: usage %+v, want none", got)
	}
	if _, _, err := m.Call(t.Context(), wasm.Query, nil, wasm.Env{}, newMemKV()); err == nil {
		t.Error("a call to a released module succeeded")
	}

	if _, err := rt.Validate(t.Context(), growing(159, 2)); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if got := rt.Usage(); got != (wasm.Usage{}) {
		t.Errorf("validated: usage %+v, want none", got)
	}

	again := load(t, rt, bin)
	defer again.Release()
	if _, _, err := again.Call(t.Context(), wasm.Update, nil, wasm.Env{}, newMemKV()); err != nil {
		t.Errorf("call after loading again: %v", err)
	}
}

// TestEvictionLRU checks that, over the memory budget, idle instances are
// closed least recently used first, whichever module they belong to, and
// that a module whose instances were all closed still runs.
func TestEvictionLRU(t *testing.T) {
	t.Parallel()
	const page = 64 << 10 // each module's memory: its image and each instance count one page
	rt := newRuntime(t, wasm.Config{MemoryBudget: 5 * page})
	a, b := load(t, rt, growing(0, 1)), load(t, rt, growing(0, 2))
	call := func(m *wasm.Module) {
		t.Helper()
		if _, _, err := m.Call(t.Context(), wasm.Query, nil, wasm.Env{}, newMemKV()); err != nil {
			t.Fatal(err)
		}
	}
	idle := func(want ...int) {
		t.Helper()
		var got []int
		for _, m := range []*wasm.Module{a, b} {
			got = append(got, wasm.IdleInstances(m))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("idle instances of a, b: %v, want %v", got, want)
		}
		if u := rt.Usage(); u.Bytes > 5*page {
			t.Errorf("usage %+v is over the budget of %d bytes", u, 5*page)
		}
	}
	idle(1, 1)
	call(a) // a's instance is now used more recently than b's
	c := load(t, rt, growing(0, 3))
	idle(1, 0)
	if n := wasm.IdleInstances(c); n != 1 {
		t.Errorf("c keeps %d idle instances, want 1", n)
	}
	call(b) // b runs on a new instance, and a's is now the oldest
	idle(0, 1)
}

// TestInstanceCap checks the host-wide cap on instances: queries beyond
// their share wait, until an instance is free or their context ends, and
// updates never wait, even beyond the cap.
func TestInstanceCap(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{MaxInstances: 4}) // 3 for queries, 1 kept for updates
	m := load(t, rt, growing(0, 4))
	kv, entered, release := blockingKV()
	results := make(chan error, 16)
	run := func(ctx context.Context, entry wasm.Entry) {
		go func() {
			_, _, err := m.Call(ctx, entry, nil, wasm.Env{}, kv)
			results <- err
		}()
	}
	for range 3 {
		run(t.Context(), wasm.Query)
	}
	waitEntered(t, entered, 3, "queries within the cap")

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := m.Call(ctx, wasm.Query, nil, wasm.Env{}, kv); !errors.Is(err, wasm.ErrNoInstance) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("query beyond the cap: %v, want %v after its deadline", err, wasm.ErrNoInstance)
	}

	for range 2 {
		run(t.Context(), wasm.Update)
	}
	waitEntered(t, entered, 2, "updates") // the second is beyond the cap
	if got := rt.Usage().Instances; got != 5 {
		t.Errorf("%d instances live, want 5: 3 queries and 2 updates", got)
	}
	run(t.Context(), wasm.Query) // waits for one of them
	close(release)
	for range 6 {
		if err := <-results; err != nil {
			t.Errorf("call: %v", err)
		}
	}
	if got := rt.Usage().Instances; got > 4 {
		t.Errorf("%d instances kept once idle, want at most the cap of 4", got)
	}
}

// TestStartupMemoryLimit checks that a module whose memory after start-up
// is over [wasm.StartupMemoryLimit] is refused at upload, with its size
// and the limit, and that the example modules start well under it.
func TestStartupMemoryLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bin  func(t *testing.T) []byte
		// refused is a substring of the error, or empty for a module
		// that must be accepted.
		refused string
	}{
		{name: "at the limit", bin: func(*testing.T) []byte { return growing(1023, 5) }},
		{name: "a page over the limit", bin: func(*testing.T) []byte { return growing(1024, 6) },
			refused: "is 67174400 bytes, over the limit of 67108864 bytes (64 MiB)"},
		{name: "examples/kv", bin: func(t *testing.T) []byte { return testwasm.Build(t, testwasm.KV) }},
		{name: "examples/counter", bin: func(t *testing.T) []byte { return testwasm.Build(t, testwasm.Counter) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := newRuntime(t, wasm.Config{})
			bin := tt.bin(t)
			_, err := rt.Validate(t.Context(), bin)
			switch {
			case tt.refused == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.refused != "" && (!errors.Is(err, wasm.ErrInvalidModule) || !strings.Contains(err.Error(), tt.refused)):
				t.Fatalf("Validate: %v, want %v saying %q", err, wasm.ErrInvalidModule, tt.refused)
			case tt.refused == "":
				m := load(t, rt, bin)
				defer m.Release()
				t.Logf("memory after start-up: %d bytes (%.1f MiB)", wasm.StartupMemory(m), float64(wasm.StartupMemory(m))/(1<<20))
			}
			if got := rt.Usage(); tt.refused != "" && got != (wasm.Usage{}) {
				t.Errorf("a refused module is kept: usage %+v", got)
			}
		})
	}
}

// TestInstanceCapOfOne checks that a cap of one instance leaves queries
// that one, and updates still proceed beside a query.
func TestInstanceCapOfOne(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{MaxInstances: 1})
	a, b := load(t, rt, growing(0, 7)), load(t, rt, growing(0, 8)) // b's instance closed a's
	kv, entered, release := blockingKV()
	results := make(chan error, 2)
	for _, entry := range []wasm.Entry{wasm.Query, wasm.Update} {
		go func() {
			_, _, err := a.Call(t.Context(), entry, nil, wasm.Env{}, kv)
			results <- err
		}()
		waitEntered(t, entered, 1, fmt.Sprintf("call %v", entry))
	}
	close(release)
	for range 2 {
		if err := <-results; err != nil {
			t.Errorf("call: %v", err)
		}
	}
	if _, _, err := b.Call(t.Context(), wasm.Query, nil, wasm.Env{}, newMemKV()); err != nil {
		t.Errorf("query of another module: %v", err)
	}
	if got := rt.Usage().Instances; got != 1 {
		t.Errorf("%d instances kept, want 1", got)
	}
}
