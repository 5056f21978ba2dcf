package wasm

import "github.com/synodhq/synod/host/internal/wasm/meter"

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

// SetHooks has r call onCompile on a compile's goroutine before it
// compiles, and onWait on a load's before it waits for a compile. It must
// be called before r is used.
func SetHooks(r *Runtime, onCompile, onWait func(hash string)) {
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

// Compiling reports whether r is compiling the module of a hash.
func Compiling(r *Runtime, hash string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.flights[hash]
	return ok
}
