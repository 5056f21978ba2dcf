package wasm_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/testwasm"
)

// TestCompileLimitsRefuse checks that a module built to make the compiler
// work for long (see BenchmarkCompileHostile) is refused before anything
// is compiled, with an error that names the limit and the module's value,
// quickly and without allocating in proportion to the counts it declares.
// It is not parallel, so that it measures only its own allocations.
func TestCompileLimitsRefuse(t *testing.T) {
	rt := newRuntime(t, wasm.Config{})
	fiveI32 := bytes.Repeat([]byte{tI32}, 5)
	tests := []struct {
		name string
		wasm []byte
		want string
	}{
		{
			name: "a br_table of 200,000 targets (32 s to compile)",
			wasm: brTableModule(200_000),
			want: "function 1: instruction 0xe at offset 5: br_table has 200,001 targets, over the limit of 8,192",
		},
		{
			name: "100,000 nested blocks (over 90 s)",
			wasm: nestedModule(0x02, 100_000),
			want: "function 1: instruction 0x2 at offset 16385: blocks, loops and ifs nest 8,193 deep, over the limit of 8,192",
		},
		{
			name: "nested ifs",
			wasm: nestedModule(0x04, 10_000),
			want: "blocks, loops and ifs nest 8,193 deep, over the limit of 8,192",
		},
		{
			name: "a body over 1 MiB",
			wasm: straightModule(1<<20 + 7),
			want: "code section at offset 23: function 1's body is 1,048,581 bytes, over the limit of 1,048,576 (offset 31)",
		},
		{
			name: "code over 12 MiB",
			wasm: sameFuncs(13, noLocals, bytes.Repeat([]byte{0x01}, 1_000_000)), // nop
			want: "code section at offset 31: the code section is 13,000,066 bytes, over the limit of 12,582,912",
		},
		{
			name: "1,001 parameters",
			wasm: oneFunc(noLocals, nil, funcType(bytes.Repeat([]byte{tI32}, 1001), nil)),
			want: "type section at offset 8: it has 1,001 parameters, over the limit of 1,000",
		},
		{
			name: "5 results",
			wasm: oneFunc(noLocals, nil, funcType(nil, fiveI32)),
			want: "type section at offset 8: it has 5 results, over the limit of 4",
		},
		{
			name: "a block of 5 parameters",
			wasm: oneFunc(noLocals, cat(bytes.Repeat(i32(0), 5), []byte{0x02, 0x02}, bytes.Repeat([]byte{opDrop}, 5), []byte{opEnd}), funcType(fiveI32, nil)),
			want: "function 1: instruction 0x2 at offset 11: its type 2 has 5 parameters, over the limit of 4 for a block",
		},
		{
			name: "loops in sequence (76 s for 9,400)",
			wasm: loopFuncsModule(1, 2731),
			want: "function 0: it has 16,390 blocks, over the limit of 16,384",
		},
		{
			name: "a function of 16,384 blocks in a small module",
			wasm: loopFuncsModule(1, 2730),
			want: "the sum of the squares of its functions' blocks is 268,435,456, over the limit of 134,217,728 for 19,116 bytes of code (256 a byte of code, at least 134,217,728 and at most 1,073,741,824; function 0 has the most blocks, 16,384)",
		},
		{
			name: "five functions of 16,384 blocks in 12 MiB",
			wasm: padded(11, slices.Repeat([][]byte{cat(noLocals, loops(2730))}, 5)...),
			want: "the sum of the squares of its functions' blocks is 1,342,177,456, over the limit of 1,073,741,824 for 11,629,252 bytes of code",
		},
		{
			name: "locals through loops (199 s for 10,000 and 2,730)",
			wasm: sameFuncs(1, i32Locals(1000), localLoops(1000, 700)),
			want: "function 0: it has 1,001 locals and 4,204 blocks, 4,208,204 in their product, over the limit of 4,194,304",
		},
		{
			name: "locals through loops, in two functions of a small module",
			wasm: sameFuncs(2, i32Locals(1000), localLoops(1000, 600)),
			want: "the sum over its functions of locals times blocks is 7,215,208, over the limit of 4,194,304 for 9,361 bytes of code (4 a byte of code, at least 4,194,304 and at most 16,777,216)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alloc, took := refusedValidate(t, rt, tt.wasm, tt.want)
			// The meter rewrites the module as it checks it, allocating in
			// proportion to its size, never to a count it declares.
			if limit := 64*uint64(len(tt.wasm)) + 1<<20; alloc > limit {
				t.Errorf("Validate allocated %d bytes for a module of %d, want at most %d", alloc, len(tt.wasm), limit)
			}
			t.Logf("refused in %v", took)
		})
	}
}

// TestCompileLimitsAccept checks that modules at the limits, and the
// examples, pass them.
func TestCompileLimitsAccept(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		wasm []byte
	}{
		{name: "a br_table of 8,192 targets", wasm: brTableModule(8191)},
		{name: "blocks nested 8,192 deep", wasm: nestedModule(0x02, 8192)},
		{name: "a body of 1 MiB", wasm: straightModule(1<<20 - 8)},
		{name: "4 results and a block of 4 parameters", wasm: oneFunc(noLocals,
			cat(bytes.Repeat(i32(0), 4), []byte{0x02, 0x02, opEnd}, bytes.Repeat([]byte{opDrop}, 4)),
			funcType(bytes.Repeat([]byte{tI32}, 4), bytes.Repeat([]byte{tI32}, 4)))},
		{name: "a function of 11,584 blocks", wasm: loopFuncsModule(1, 1930)},
		{name: "four functions of 16,378 blocks in 4 MiB", wasm: padded(4, slices.Repeat([][]byte{cat(noLocals, loops(2729))}, 4)...)},
		{name: "10,000 locals", wasm: localsModule(10_000)},
		{name: "1,000 parameters", wasm: oneFunc(noLocals, nil, funcType(bytes.Repeat([]byte{tI32}, 1000), nil))},
		{name: "locals times blocks at the limit", wasm: sameFuncs(1, i32Locals(1000), localLoops(1000, 697))},
		{name: "locals times blocks at the limit, four times in 4 MiB", wasm: padded(4, slices.Repeat([][]byte{cat(i32Locals(1000), localLoops(1000, 697))}, 4)...)},
		{name: "examples/kv", wasm: testwasm.Build(t, testwasm.KV)},
		{name: "examples/counter", wasm: testwasm.Build(t, testwasm.Counter)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := wasm.CheckLimits(tt.wasm); err != nil {
				t.Errorf("CheckLimits: %v", err)
			}
		})
	}
}
