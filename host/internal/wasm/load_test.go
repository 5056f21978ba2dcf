package wasm_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

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
