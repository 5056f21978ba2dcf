package wasm

import (
	"context"

	"github.com/synodhq/synod/host/internal/wasm/meter"
	"github.com/tetratelabs/wazero/experimental"
)

// Precheck exposes precheck to the external tests.
func Precheck(bin []byte) error { return precheck(bin) }

// PrecheckOverLimit reports whether an error of [Precheck] is for a
// well-formed module over one of precheck's limits.
func PrecheckOverLimit(err error) bool { return err.(*formatError).overLimit }

// IdleInstances returns how many idle instances m keeps.
func IdleInstances(m *Module) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.clean) + len(m.warm)
}

// StartupMemory returns the size of m's memory once started.
func StartupMemory(m *Module) uint64 { return m.image.size }

// SetHooks has r call onCompile on a compile's goroutine once it has a
// compile slot, with the compile's context, and onWait on a load's before
// it waits for a compile. It must be called before r is used.
func SetHooks(r *Runtime, onCompile func(ctx context.Context, hash string), onWait func(hash string)) {
	r.hooks = &testHooks{onCompile: onCompile, onWait: onWait}
}

// CheckLimits checks bin against the limits on modules, as Validate does
// before compiling, without compiling it.
func CheckLimits(bin []byte) error {
	if err := precheck(bin); err != nil {
		return err
	}
	_, err := meter.Instrument(bin, meter.Options{StartFuel: startFuel, MaxMemoryPages: 4096, Limits: codeLimits})
	return err
}

// CompileContext returns ctx with the compilation workers a runtime
// compiles with.
func CompileContext(ctx context.Context) context.Context {
	return experimental.WithCompilationWorkers(ctx, compileWorkers)
}

// Compiles returns how many compiles r runs now, and how many it runs or
// has waiting for a slot.
func Compiles(r *Runtime) (running, flights int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.compileSlots), len(r.flights)
}
