package wasm_test

import (
	"testing"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/internal/wasm/meter"
)

// FuzzInstrument checks the meter against wazero's decoder: instrumenting
// never panics, and a module that wazero compiles still compiles once
// instrumented, unless the meter refused it. A meter that misread where
// an instruction ends would insert its charges inside another instruction
// and break the module.
func FuzzInstrument(f *testing.F) {
	f.Add(kitchenSink())
	f.Add(guestModule([]wimport{impKVGet, impSetOutput}, code(local(0), local(1), call(2)), nil).bytes())
	f.Add(guestModule(nil, code([]byte{opLoop, blockEmpty, opBr, 0, opEnd}, i32(0)), nil).bytes())
	f.Add(guestModule(nil, code(i32(0), []byte{0x04, blockEmpty, 0x0c, 1, 0x05, 0x0e, 1, 0, 1, 0x0b}, i32(0)), nil).bytes())
	f.Add(wmodule{ // a table and an element segment (see readElems)
		funcs:  guestModule(nil, code(i32(0), []byte{0x11, 0, 0}), nil).funcs,
		tables: []byte{1, 0x70, 0, 1},
		elems:  code([]byte{1, 0}, i32(0), []byte{opEnd, 1, 0}),
	}.bytes())
	ref := refRuntime(f)
	f.Fuzz(func(t *testing.T, bin []byte) {
		if len(bin) > 1<<16 || wasm.Precheck(bin) != nil || !smallNumbers(bin) {
			return
		}
		out, err := meter.Instrument(bin, meter.Options{StartFuel: 1, MaxMemoryPages: 16})
		if err != nil || refCompile(t, ref, bin) != nil {
			return
		}
		if err := refCompile(t, ref, out); err != nil {
			t.Fatalf("wazero compiles the module but not its instrumented copy: %v", err)
		}
	})
}
