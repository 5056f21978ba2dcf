package wasm_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/internal/wasm/meter"
)

// hostileCases are the constructs of hostile_test.go at sizes from under
// their limits to well over them: the measurements that chose the limits.
var hostileCases = []struct {
	name  string
	sizes []int
	build func(n int) []byte
}{
	{"br_table", []int{1_000, 10_000, 50_000, 200_000}, brTableModule},
	{"br_table_100_results", []int{100, 1_000, 10_000}, func(n int) []byte { return brTableArgsModule(n, 100) }},
	{"nested_blocks", []int{1_000, 10_000, 30_000, 100_000}, func(n int) []byte { return nestedModule(0x02, n) }},
	{"nested_loops", []int{1_000, 10_000, 30_000}, func(n int) []byte { return nestedModule(0x03, n) }},
	{"nested_ifs", []int{1_000, 10_000, 30_000}, func(n int) []byte { return nestedModule(0x04, n) }},
	{"nested_branches", []int{1_000, 3_000, 10_000}, nestedBranchesModule},
	{"straight_bytes", []int{1 << 18, 1 << 20, 1 << 22}, straightModule},
	{"blocks_bytes", []int{1 << 14, 1 << 16, 1 << 17, 1 << 18}, blocksModule},
	{"loops_bytes", []int{1 << 12, 1 << 13, 1 << 14, 1 << 16}, loopsModule},
	{"calls_bytes", []int{1 << 14, 1 << 16, 1 << 18, 1 << 20}, callsModule},
	{"live_bytes", []int{1 << 14, 1 << 16, 1 << 17}, liveModule},
	{"locals", []int{1_000, 10_000, 50_000}, localsModule},
	{"locals_50000_loops", []int{100, 1_000}, func(m int) []byte { return localsLoopsModule(50_000, m) }},
	{"locals_10000_loops", []int{1_000, 2_730}, func(m int) []byte { return localsLoopsModule(10_000, m) }},
	{"locals_and_loops", []int{836, 1_183}, func(n int) []byte { return localsLoopsModule(n, n) }},
	{"results_1_bytes", []int{1 << 16}, func(n int) []byte { return arityModule(n, 1) }},
	{"results_4_bytes", []int{1 << 20}, func(n int) []byte { return arityModule(n, 4) }},
	{"results_10_bytes", []int{1 << 16}, func(n int) []byte { return arityModule(n, 10) }},
	{"results_100_bytes", []int{1 << 14, 1 << 16, 1 << 18}, func(n int) []byte { return arityModule(n, 100) }},
	{"results_1000_bytes", []int{1 << 14, 1 << 16}, func(n int) []byte { return arityModule(n, 1000) }},
	{"functions", []int{10_000, 65_536, 100_000}, functionsModule},
	{"loop_functions_of_2730", []int{1, 4}, func(k int) []byte { return loopFuncsModule(k, 2730) }},
}

// limitCases are the worst modules for each limit that pass them all.
var limitCases = []struct {
	name string
	wasm func() []byte
}{
	{"br_table_of_8191", func() []byte { return brTableModule(8191) }},
	{"nested_blocks_8192", func() []byte { return nestedModule(0x02, 8192) }},
	{"nested_ifs_3860", func() []byte { return nestedModule(0x04, 3860) }},
	{"a_function_of_11584_blocks", func() []byte { return loopFuncsModule(1, 1930) }},
	{"a_function_of_16384_blocks_in_1_MiB", func() []byte { return padded(1, cat(noLocals, loops(2730))) }},
	{"four_functions_of_16378_blocks_in_4_MiB", func() []byte {
		return padded(4, slices.Repeat([][]byte{cat(noLocals, loops(2729))}, 4)...)
	}},
	{"10000_locals_in_a_loop", func() []byte { return localsModule(10_000) }},
	{"1000_locals_and_697_loops", func() []byte { return sameFuncs(1, i32Locals(1000), localLoops(1000, 697)) }},
	{"four_functions_of_1000_locals_and_697_loops_in_4_MiB", func() []byte {
		return padded(4, slices.Repeat([][]byte{cat(i32Locals(1000), localLoops(1000, 697))}, 4)...)
	}},
	{"65536_functions", func() []byte { return functionsModule(1 << 16) }},
	{"1_MiB_of_calls", func() []byte { return callsModule(1<<20 - 16) }},
	{"1_MiB_of_4_results", func() []byte { return arityModule(1<<20-64, 4) }},
	{"12_MiB_of_calls", func() []byte { return callFuncsModule(12, 1<<20-1024) }},
}

// BenchmarkCompileHostile times wazero's compiler, and the meter before
// it, on the hostile constructs at several sizes, on a plain wazero
// runtime with the host's features and compilation workers and no cache,
// so that it can time modules over the limits too. Run one construct at a time with
// -benchtime=1x: the largest sizes take minutes.
func BenchmarkCompileHostile(b *testing.B) {
	for _, c := range hostileCases {
		for _, n := range c.sizes {
			b.Run(fmt.Sprintf("%s=%d", c.name, n), func(b *testing.B) { benchCompile(b, c.build(n)) })
		}
	}
}

// BenchmarkCompileAtLimits times the worst modules that pass the limits:
// the compile time the limits bound.
func BenchmarkCompileAtLimits(b *testing.B) {
	for _, c := range limitCases {
		b.Run(c.name, func(b *testing.B) {
			bin := c.wasm()
			if err := wasm.CheckLimits(bin); err != nil {
				b.Fatalf("over the limits: %v", err)
			}
			benchCompile(b, bin)
		})
	}
}

func benchCompile(b *testing.B, bin []byte) {
	ctx := wasm.CompileContext(context.Background())
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().
		WithCoreFeatures(api.CoreFeaturesV2&^api.CoreFeatureSIMD))
	defer rt.Close(ctx)
	var instrument, compile time.Duration
	for b.Loop() {
		start := time.Now()
		metered, err := meter.Instrument(bin, meter.Options{StartFuel: 1, MaxMemoryPages: 4096})
		if err != nil {
			b.Fatalf("instrument: %v", err)
		}
		mid := time.Now()
		compiled, err := rt.CompileModule(ctx, metered)
		if err != nil {
			b.Fatalf("compile: %v", err)
		}
		compile += time.Since(mid)
		instrument += mid.Sub(start)
		_ = compiled.Close(ctx) // else the next compile is a cache hit
	}
	b.ReportMetric(float64(len(bin)), "bytes")
	b.ReportMetric(instrument.Seconds()/float64(b.N), "instrument-s")
	b.ReportMetric(compile.Seconds()/float64(b.N), "compile-s")
}
