package wasm_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synodhq/synod/host/internal/wasm"
)

// TestLoadCompilesOnce checks that concurrent loads of one module wait
// for one compile: four loads, all waiting before the compile may start,
// compile once and get the same module.
func TestLoadCompilesOnce(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{CacheDir: t.TempDir()})
	var compiles atomic.Int32
	release := make(chan struct{})
	var waiting sync.WaitGroup
	waiting.Add(4)
	wasm.SetHooks(rt, func(context.Context, string) {
		compiles.Add(1)
		<-release
	}, func(string) { waiting.Done() })
	bin := guestModule(nil, nil, nil).bytes()
	mods := make([]*wasm.Module, 4)
	errs := make([]error, 4)
	var done sync.WaitGroup
	for i := range 4 {
		done.Go(func() { mods[i], errs[i] = rt.Load(t.Context(), wasm.Hash(bin), bin) })
	}
	waiting.Wait()
	close(release)
	done.Wait()
	for i := range 4 {
		if errs[i] != nil || mods[i] != mods[0] {
			t.Errorf("load %d: got %p, %v, want the first load's module %p", i, mods[i], errs[i], mods[0])
		}
	}
	if n := compiles.Load(); n != 1 {
		t.Errorf("compiled %d times, want once", n)
	}
	// Each load holds the module: it is kept until the last lets it go.
	for i, m := range mods {
		if got := rt.Usage().Modules; got != 1 {
			t.Fatalf("after %d of 4 releases the runtime holds %d modules, want 1", i, got)
		}
		m.Release()
	}
	if got := rt.Usage().Modules; got != 0 {
		t.Errorf("after every release the runtime holds %d modules, want none", got)
	}
}

// TestAbandonedCompileIsCancelled checks that a compile whose every load
// stopped waiting is cancelled and keeps nothing: the next load compiles
// again.
func TestAbandonedCompileIsCancelled(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{CacheDir: t.TempDir()})
	var compiles atomic.Int32
	started, cancelled := make(chan struct{}), make(chan struct{})
	wasm.SetHooks(rt, func(ctx context.Context, _ string) {
		if compiles.Add(1) == 1 {
			close(started)
			<-ctx.Done()
			close(cancelled)
		}
	}, func(string) {})
	bin := guestModule(nil, nil, nil).bytes()
	ctx, cancel := context.WithCancel(t.Context())
	loaded := make(chan error, 1)
	go func() {
		_, err := rt.Load(ctx, wasm.Hash(bin), bin)
		loaded <- err
	}()
	waitFor(t, started, "the compile to start")
	cancel()
	if err := <-loaded; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	waitFor(t, cancelled, "the abandoned compile's context to end")
	m, err := rt.Load(t.Context(), wasm.Hash(bin), bin)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if n := compiles.Load(); n != 2 {
		t.Errorf("compiled %d times, want twice: the abandoned compile's module was kept", n)
	}
}

// TestCloseWaitsForCompiles checks that closing a runtime cancels the
// compile under way and returns only once it has ended (closing the
// wazero runtime under a module being started freed its memory while
// the start copied into it, and the process died), and that a load after
// it fails.
func TestCloseWaitsForCompiles(t *testing.T) {
	t.Parallel()
	rt, err := wasm.NewRuntime(t.Context(), wasm.Config{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var ended atomic.Bool
	wasm.SetHooks(rt, func(ctx context.Context, _ string) {
		close(started)
		<-ctx.Done()
		ended.Store(true)
	}, func(string) {})
	bin := guestModule(nil, nil, nil).bytes()
	loaded := make(chan error, 1)
	go func() {
		_, err := rt.Load(t.Context(), wasm.Hash(bin), bin)
		loaded <- err
	}()
	waitFor(t, started, "the compile to start")
	if err := rt.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !ended.Load() {
		t.Error("Close returned while a compile was under way")
	}
	select {
	case err := <-loaded:
		if err == nil {
			t.Error("the load under way when the runtime closed succeeded")
		}
	case <-time.After(time.Minute):
		t.Fatal("the load under way when the runtime closed never returned")
	}
	if _, err := rt.Load(t.Context(), wasm.Hash(bin), bin); !errors.Is(err, wasm.ErrClosed) {
		t.Errorf("a load after Close: got %v, want ErrClosed", err)
	}
}

// TestCompilesTakeTurns checks that a runtime compiles one module at a
// time: loads of three modules start three compiles, of which one runs
// while the others wait their turn, and all three load.
func TestCompilesTakeTurns(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{CacheDir: t.TempDir()})
	var running atomic.Int32
	release := make(chan struct{})
	var waiting sync.WaitGroup
	waiting.Add(3)
	wasm.SetHooks(rt, func(context.Context, string) {
		running.Add(1)
		<-release
	}, func(string) { waiting.Done() })
	errs := make([]error, 3)
	var done sync.WaitGroup
	for i := range 3 {
		bin := guestModule(nil, i32(int32(i)), nil).bytes()
		done.Go(func() {
			m, err := rt.Load(t.Context(), wasm.Hash(bin), bin)
			if err == nil {
				m.Release()
			}
			errs[i] = err
		})
	}
	waiting.Wait()
	deadline := time.Now().Add(time.Minute)
	for running.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if compiling, flights := wasm.Compiles(rt); running.Load() != 1 || compiling != 1 || flights != 3 {
		t.Errorf("with three loads waiting: %d compiles started, %d under way of %d, want one of three", running.Load(), compiling, flights)
	}
	close(release)
	done.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("load %d: %v", i, err)
		}
	}
	if n := running.Load(); n != 3 {
		t.Errorf("%d compiles, want 3", n)
	}
}

// waitFor waits up to a minute for ch to be closed.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(time.Minute):
		t.Fatalf("waited a minute for %s", what)
	}
}

// TestLoadStopsWaitingWithContext checks that a load whose context ends
// stops waiting with the context's error, and that the next load of the
// module compiles it and reports what is wrong with it: here, a start-up
// that runs out of fuel.
func TestLoadStopsWaitingWithContext(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{CacheDir: t.TempDir()})
	release := make(chan struct{})
	wasm.SetHooks(rt, func(context.Context, string) { <-release }, func(string) {})
	m := guestModule(nil, nil, nil)
	m.funcs = append(m.funcs, wfunc{export: "_initialize", body: code(
		[]byte{opLoop, blockEmpty, opBr, 0x00, opEnd},
	)})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := rt.Validate(ctx, m.bytes()); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	close(release)
	_, err := rt.Validate(t.Context(), m.bytes())
	if !errors.Is(err, wasm.ErrInvalidModule) || !strings.Contains(err.Error(), "instantiation failed") {
		t.Fatalf("got %v, want an instantiation failure wrapping ErrInvalidModule", err)
	}
}
