package wasm

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/synodhq/synod/internal/testwasm"
)

// TestResetRestoresMemory checks, byte for byte, that an instance that ran
// updates (which wrote to its memory, a little or much, grew it, trapped)
// goes back to the memory and globals it started with.
func TestResetRestoresMemory(t *testing.T) {
	t.Parallel()
	for _, untracked := range []bool{false, true} {
		t.Run(fmt.Sprintf("untracked=%v", untracked), func(t *testing.T) {
			t.Parallel()
			testResetRestoresMemory(t, Config{CacheDir: testwasm.CacheDir(t), PoolSize: 1, untrackedResets: untracked})
		})
	}
}

func testResetRestoresMemory(t *testing.T, cfg Config) {
	m := loadProbe(t, cfg)
	state := func() ([]byte, []uint64) {
		inst, err := m.get(t.Context(), Update)
		if err != nil {
			t.Fatal(err)
		}
		defer m.put(inst, true, false)
		b, _ := inst.mod.Memory().Read(0, inst.mod.Memory().Size())
		var globals []uint64
		for _, g := range inst.globals {
			globals = append(globals, g.Get())
		}
		return bytes.Clone(b), globals
	}
	wantMem, wantGlobals := state()
	if len(wantGlobals) == 0 {
		t.Fatal("the probe exports no mutable globals to reset")
	}
	// Twice over, so that pages left unprotected by the first round (see
	// dirtyTracker) are restored in the second; bigvalue writes more pages
	// than are left unprotected.
	ops := []string{"count k", "put k", "bigvalue", "count k", "panic boom", "grow", "env"}
	for _, in := range append(ops, ops...) {
		if _, _, err := m.Call(t.Context(), Update, []byte(in), Env{TimeNanos: 7}, mapKV{}); err != nil {
			t.Logf("%s: %v", in, err)
		}
		gotMem, gotGlobals := state()
		if !bytes.Equal(gotMem, wantMem) {
			t.Errorf("after %q: memory differs from the image", in)
		}
		for i := range wantGlobals {
			if gotGlobals[i] != wantGlobals[i] {
				t.Errorf("after %q: global %d is %d, want %d", in, i, gotGlobals[i], wantGlobals[i])
			}
		}
	}
}

// loadProbe loads the probe guest (testdata/probe) into a runtime of cfg
// that lasts as long as the test.
func loadProbe(t *testing.T, cfg Config) *Module {
	t.Helper()
	rt, err := NewRuntime(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	bin := testwasm.Build(t, "github.com/synodhq/synod/host/internal/wasm/testdata/probe")
	m, err := rt.Load(t.Context(), Hash(bin), bin)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
