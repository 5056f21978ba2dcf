package wasm

import "github.com/synodhq/synod/host/internal/wasm/meter"

// Precheck exposes precheck to the external tests.
func Precheck(bin []byte) error { return precheck(bin) }

// PrecheckOverLimit reports whether an error of [Precheck] is for a
// well-formed module over one of precheck's limits.
func PrecheckOverLimit(err error) bool { return err.(*formatError).overLimit }

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
