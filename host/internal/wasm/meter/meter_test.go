package meter_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/synodhq/synod/host/internal/wasm/meter"
	"github.com/synodhq/synod/internal/testwasm"
)

const compute = "github.com/synodhq/synod/host/internal/wasm/meter/testdata/compute"

// instance is a module instantiated in its own runtime, metered or not.
type instance struct {
	mod     api.Module
	fuel    api.MutableGlobal // nil when not metered
	yieldAt api.MutableGlobal
	// yieldFuel is the fuel between yields; yields counts them, and stop
	// makes the next one trap.
	yieldFuel int64
	yields    int
	stop      bool
}

// errOutOfFuel and errStopped are how the test yield function traps.
var (
	errOutOfFuel = errors.New("out of fuel")
	errStopped   = errors.New("stopped")
)

// yield is the host side of the meter's checks, as package wasm does it.
func (inst *instance) yield(context.Context, api.Module, []uint64) {
	inst.yields++
	left := int64(inst.fuel.Get())
	switch {
	case left < 0:
		panic(errOutOfFuel)
	case inst.stop:
		panic(errStopped)
	}
	inst.yieldAt.Set(uint64(max(0, left-inst.yieldFuel)))
}

func instantiate(tb testing.TB, bin []byte, metered bool) *instance {
	tb.Helper()
	ctx := context.Background()
	inst := &instance{yieldFuel: 1 << 20}
	if metered {
		var err error
		if bin, err = meter.Instrument(bin, meter.Options{StartFuel: 1 << 40, YieldFuel: inst.yieldFuel, MaxMemoryPages: 4096}); err != nil {
			tb.Fatalf("instrument: %v", err)
		}
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().
		WithCoreFeatures(api.CoreFeaturesV2&^api.CoreFeatureSIMD).
		WithCompilationCache(compilationCache(tb)))
	tb.Cleanup(func() { _ = rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	if _, err := rt.NewHostModuleBuilder(meter.YieldModule).NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(inst.yield), nil, nil).Export(meter.YieldName).Instantiate(ctx); err != nil {
		tb.Fatalf("instantiate the yield function: %v", err)
	}
	// One compilation at a time: a test that waits then finds the module
	// in the cache, instead of compiling it alongside.
	compiling.Lock()
	compiled, err := rt.CompileModule(ctx, bin)
	compiling.Unlock()
	if err != nil {
		tb.Fatalf("compile: %v", err)
	}
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		tb.Fatalf("instantiate: %v", err)
	}
	inst.mod = mod
	if metered {
		inst.fuel = mod.ExportedGlobal(meter.Export).(api.MutableGlobal)
		inst.yieldAt = mod.ExportedGlobal(meter.YieldAtExport).(api.MutableGlobal)
	}
	if f := mod.ExportedFunction("_initialize"); f != nil {
		if _, _, err := inst.call(tb, 1<<40, "_initialize"); err != nil {
			tb.Fatalf("_initialize: %v", err)
		}
	}
	return inst
}

// compiling serialises the tests' compilations (see instantiate).
var compiling sync.Mutex

// sharedCache is the compilation cache every runtime of these tests
// shares, on disk in testwasm's directory: compiling the Go guest takes
// some 15 s of CPU under the race detector, and the tests that do it ran
// for a minute each, compiling it side by side.
var sharedCache = sync.OnceValues(func() (wazero.CompilationCache, error) {
	dir, err := testwasm.SharedCacheDir()
	if err != nil {
		return nil, err
	}
	return wazero.NewCompilationCacheWithDir(dir)
})

// compilationCache returns sharedCache, or fails tb.
func compilationCache(tb testing.TB) wazero.CompilationCache {
	tb.Helper()
	cache, err := sharedCache()
	if err != nil {
		tb.Fatalf("compilation cache: %v", err)
	}
	return cache
}

// call runs the export name with a budget and returns its results and
// the fuel it used.
func (inst *instance) call(tb testing.TB, budget uint64, name string, args ...uint64) ([]uint64, uint64, error) {
	tb.Helper()
	if inst.fuel != nil {
		inst.fuel.Set(budget)
		inst.yieldAt.Set(uint64(max(0, int64(budget)-inst.yieldFuel)))
	}
	res, err := inst.mod.ExportedFunction(name).Call(context.Background(), args...)
	if inst.fuel == nil {
		return res, 0, err
	}
	return res, budget - inst.fuel.Get(), err
}

// TestCompute checks, on a real Go guest, that metering changes no result,
// that two runtimes count the same fuel, that fuel grows with the work,
// and that a budget too small ends the call with the fuel gauge negative.
func TestCompute(t *testing.T) {
	if testing.Short() {
		t.Skip("long (compiles a Go guest three times): make test runs it")
	}
	t.Parallel()
	bin := testwasm.Build(t, compute)
	plain := instantiate(t, bin, false)
	a, b := instantiate(t, bin, true), instantiate(t, bin, true)
	want, _, err := plain.call(t, 0, "work", 3)
	if err != nil {
		t.Fatalf("plain work(3): %v", err)
	}
	got, fuelA, err := a.call(t, 1<<40, "work", 3)
	if err != nil || got[0] != want[0] {
		t.Fatalf("metered work(3): got (%v, %v), want %v", got, err, want)
	}
	_, fuelB, _ := b.call(t, 1<<40, "work", 3)
	if fuelA != fuelB || fuelA == 0 {
		t.Errorf("two runtimes used %d and %d fuel for the same call; want the same, not 0", fuelA, fuelB)
	}
	_, fuel6, _ := a.call(t, 1<<40, "work", 6)
	if fuel6 < fuelA*3/2 {
		t.Errorf("work(6) used %d fuel, work(3) %d: want fuel to grow with the work", fuel6, fuelA)
	}
	_, _, err = b.call(t, fuelA/2, "work", 3)
	if !errors.Is(err, errOutOfFuel) || int64(b.fuel.Get()) >= 0 {
		t.Errorf("work(3) with half its fuel: got %v with %d fuel left, want a trap with the gauge negative", err, int64(b.fuel.Get()))
	}
}

// TestSchedule checks exact fuel counts of hand-written functions against
// the schedule in the package documentation.
func TestSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body []byte // of (func (param i32)), without the final end
		arg  uint64
		want uint64
	}{
		{
			// an end compiles to nothing of its own
			name: "empty function",
			want: 0,
		},
		{
			// the loop and its end (0), and each time round local.get,
			// i32.const, i32.sub, local.tee and br_if (5) and the
			// check before the branch back (BranchFuel), the function's
			// end (0)
			name: "count down from 10",
			body: []byte{0x03, 0x40, 0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b},
			arg:  10,
			want: (5 + meter.BranchFuel) * 10,
		},
		{
			// three constants, the fill with BulkFuel, 1 per 8 of 4096
			// bytes
			name: "memory.fill",
			body: []byte{0x41, 0, 0x41, 0, 0x20, 0, 0xfc, 11, 0},
			arg:  4096,
			want: 3 + 1 + meter.BulkFuel + 4096>>meter.BulkByteShift,
		},
		{
			// the argument, the grow with BulkFuel, PageFuel per page,
			// the drop
			name: "memory.grow",
			body: []byte{0x20, 0, 0x40, 0, 0x1a},
			arg:  3,
			want: 1 + 1 + meter.BulkFuel + 3*meter.PageFuel + 1,
		},
		{
			// local.get, i32.const, i32.div_u with DivFuel, drop
			name: "a division",
			body: []byte{0x20, 0, 0x41, 3, 0x6e, 0x1a},
			arg:  7,
			want: 1 + 1 + 1 + meter.DivFuel + 1,
		},
		{
			// A loop that counts down and then returns through a branch to
			// the function's label, which must store what the loop
			// charged. The loop (0); each time round, local.get, i32.eqz
			// and if (3), then the if's end (0), local.get, i32.const,
			// i32.sub, local.set and br 0 (5) and its check
			// (BranchFuel); the last time, the if (3) and br 2 (1).
			name: "return by a branch to the function's label",
			body: []byte{0x03, 0x40, 0x20, 0, 0x45, 0x04, 0x40, 0x0c, 2, 0x0b, 0x20, 0, 0x41, 1, 0x6b, 0x21, 0, 0x0c, 0, 0x0b},
			arg:  5,
			want: 5*(3+5+meter.BranchFuel) + 3 + 1,
		},
		{
			// local.get and if, charged before the if; nop (0) and
			// else, charged before the else; then the else branch's nop,
			// the if's end and the function's end (0 each).
			name: "if taken",
			body: []byte{0x20, 0, 0x04, 0x40, 0x01, 0x05, 0x01, 0x0b},
			arg:  1,
			want: 2 + 1,
		},
		{
			// local.get and if; the else branch's nop, the if's end and
			// the function's end (0 each)
			name: "if not taken",
			body: []byte{0x20, 0, 0x04, 0x40, 0x01, 0x05, 0x01, 0x0b},
			arg:  0,
			want: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inst := instantiate(t, funcModule(tt.body), true)
			_, fuel, err := inst.call(t, 1<<40, "f", tt.arg)
			if err != nil || fuel != tt.want {
				t.Errorf("got (%d fuel, %v), want %d fuel", fuel, err, tt.want)
			}
		})
	}
}

// TestRefused checks that modules the meter cannot run deterministically,
// or that could touch their own fuel, are refused with a reason.
func TestRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bin  []byte
		want string
	}{
		{"SIMD", funcModule([]byte{0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1a}), "SIMD"},
		{"atomics", funcModule([]byte{0xfe, 0x03, 0}), "threads"},
		{"tail call", funcModule([]byte{0x12, 0}), "tail calls"},
		{"set the fuel global", funcModule([]byte{0x42, 0, 0x24, 0}), "global 0 does not exist"},
		{"export the reserved name", exportedAs(meter.Export, nil), "reserved"},
		{"export the yield-at global's name", exportedAs(meter.YieldAtExport, nil), "reserved"},
		{"set the yield-at global", funcModule([]byte{0x42, 1, 0x24, 1}), "global 1 does not exist"},
		{"import from the yield module", importing(meter.YieldModule), "reserved"},
		{"code after the end", funcModule([]byte{0x0b, 0x01}), "follow the function's end"},
		{"not wasm", []byte("hello, world"), "not a WebAssembly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := meter.Instrument(tt.bin, meter.Options{StartFuel: 1, MaxMemoryPages: 4096})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// funcModule returns a module with one memory of one page (up to 10) and
// one function (func (param i32)) exported as "f", whose body is body and
// a final end.
func funcModule(body []byte) []byte { return exportedAs("f", body) }

// exportedAs is funcModule with the function exported as name.
func exportedAs(name string, body []byte) []byte {
	sec := func(id byte, content ...byte) []byte {
		return append([]byte{id, byte(len(content))}, content...)
	}
	code := append([]byte{0}, body...) // no locals
	code = append(code, 0x0b)
	var m []byte
	m = append(m, "\x00asm\x01\x00\x00\x00"...)
	m = append(m, sec(1, 1, 0x60, 1, 0x7f, 0)...) // type (i32) -> ()
	m = append(m, sec(3, 1, 0)...)                // one function of type 0
	m = append(m, sec(5, 1, 1, 1, 10)...)         // memory: min 1, max 10
	m = append(m, sec(7, append(append([]byte{1, byte(len(name))}, name...), 0, 0)...)...)
	m = append(m, sec(10, append([]byte{1, byte(len(code))}, code...)...)...)
	return m
}

// BenchmarkCompute measures what metering costs a compute-heavy Go guest:
// compare plain with metered.
func BenchmarkCompute(b *testing.B) {
	bin := testwasm.Build(b, compute)
	for _, metered := range []bool{false, true} {
		name := "plain"
		if metered {
			name = "metered"
		}
		b.Run(name, func(b *testing.B) {
			inst := instantiate(b, bin, metered)
			var fuel uint64
			for b.Loop() {
				_, used, err := inst.call(b, 1<<40, "work", 10)
				if err != nil {
					b.Fatal(err)
				}
				fuel = used
			}
			if metered {
				b.ReportMetric(float64(fuel), "fuel/op")
			}
		})
	}
}

// TestYield checks that a call yields to the host every so much fuel,
// that where it yields changes neither its result nor the fuel it uses,
// and that the host can stop it at a yield.
func TestYield(t *testing.T) {
	if testing.Short() {
		t.Skip("long (compiles a Go guest twice): make test runs it")
	}
	t.Parallel()
	bin := testwasm.Build(t, compute)
	often, rarely := instantiate(t, bin, true), instantiate(t, bin, true)
	often.yieldFuel, rarely.yieldFuel = 1000, 1<<40
	want, fuel, err := rarely.call(t, 1<<40, "work", 3)
	if err != nil {
		t.Fatalf("work(3): %v", err)
	}
	often.yields = 0
	got, fuelOften, err := often.call(t, 1<<40, "work", 3)
	if err != nil || got[0] != want[0] || fuelOften != fuel {
		t.Fatalf("work(3) yielding every 1,000 fuel: got (%v, %d fuel, %v), want (%v, %d fuel)", got, fuelOften, err, want, fuel)
	}
	// A check may find the fuel a little past the yield-at global: the
	// code between two checks is short.
	if min := int(fuel / 2000); often.yields < min {
		t.Errorf("work(3) used %d fuel and yielded %d times, every 1,000 fuel; want at least once every 2,000 (%d)", fuel, often.yields, min)
	}
	often.stop = true
	if _, _, err := often.call(t, 1<<40, "work", 3); !errors.Is(err, errStopped) {
		t.Errorf("work(3) with the host stopping it: got %v, want it stopped at a yield", err)
	}
}

// TestRenumbered checks, on a module that names its functions in every
// way (exports, a table, ref.func, the start function and the name
// section), that the functions still call one another and are exported as
// before once the yield import has moved them up one index.
func TestRenumbered(t *testing.T) {
	if testing.Short() {
		t.Skip("long (compiles a Go guest twice): make test runs it")
	}
	t.Parallel()
	bin := testwasm.Build(t, compute)
	inst := instantiate(t, bin, true)
	res, _, err := inst.call(t, 1<<40, "work", 3)
	plain := instantiate(t, bin, false)
	want, _, _ := plain.call(t, 0, "work", 3)
	if err != nil || res[0] != want[0] {
		t.Fatalf("work(3): got (%v, %v), want %v", res, err, want)
	}
	names := inst.mod.ExportedFunctionDefinitions()
	for name, def := range plain.mod.ExportedFunctionDefinitions() {
		got, ok := names[name]
		if !ok || got.DebugName() != def.DebugName() {
			t.Errorf("export %q: got %v, want the function named %q", name, got, def.DebugName())
		}
	}
}

// importing returns a module that imports a function "f" from module.
func importing(module string) []byte {
	imp := append([]byte{1, byte(len(module))}, module...)
	imp = append(imp, 1, 'f', 0x00, 0) // function of type 0
	m := []byte("\x00asm\x01\x00\x00\x00")
	m = append(m, 1, 4, 1, 0x60, 0, 0) // type () -> ()
	return append(append(m, 2, byte(len(imp))), imp...)
}
