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
	wasm.SetHooks(rt, func(string) {
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

// TestAbandonedCompileIsFreed checks that a compile whose every load
// stopped waiting keeps nothing once it ends: the next load compiles
// again.
func TestAbandonedCompileIsFreed(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{CacheDir: t.TempDir()})
	var compiles atomic.Int32
	release := make(chan struct{})
	wasm.SetHooks(rt, func(string) {
		<-release
		compiles.Add(1)
	}, func(string) {})
	bin := guestModule(nil, nil, nil).bytes()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := rt.Load(ctx, wasm.Hash(bin), bin); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	close(release)
	deadline := time.Now().Add(time.Minute)
	for wasm.Compiling(rt, wasm.Hash(bin)) {
		if time.Now().After(deadline) {
			t.Fatal("the abandoned compile did not end within a minute")
		}
		time.Sleep(time.Millisecond)
	}
	m, err := rt.Load(t.Context(), wasm.Hash(bin), bin)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if n := compiles.Load(); n != 2 {
		t.Errorf("compiled %d times, want twice: the abandoned compile's module was kept", n)
	}
}

// TestLoadStopsWaitingWithContext checks that a load whose context ends
// stops waiting with the context's error, and that the compile it started
// runs on to its end for the next load: here, a start-up that runs out of
// fuel.
func TestLoadStopsWaitingWithContext(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{CacheDir: t.TempDir()})
	release := make(chan struct{})
	wasm.SetHooks(rt, func(string) { <-release }, func(string) {})
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
