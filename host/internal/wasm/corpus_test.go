package wasm_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/testwasm"
)

// adversary is the corpus's misbehaving Go guest (testdata/adversary).
const adversary = "github.com/synodhq/synod/host/internal/wasm/testdata/adversary"

// corpusCase is one module of the adversarial corpus and what must become
// of it.
type corpusCase struct {
	name   string
	module func(t *testing.T) []byte
	entry  wasm.Entry
	input  string
	// refused, if set, is part of the upload error; otherwise the call
	// fails with an error containing fails, or succeeds if fails is empty.
	refused, fails string
	// fuel is the call's budget; 0 means the default.
	fuel uint64
}

// adversaryOp is a call of the adversary guest.
func adversaryOp(name string, entry wasm.Entry, op, fails string) corpusCase {
	return corpusCase{name: name, module: func(t *testing.T) []byte { return testwasm.Build(t, adversary) }, entry: entry, input: op, fails: fails}
}

func withFuel(c corpusCase, fuel uint64) corpusCase {
	c.fuel = fuel
	return c
}

func fixed(m []byte) func(*testing.T) []byte { return func(*testing.T) []byte { return m } }

// TestAdversarialCorpus runs each module of the corpus on three runtimes,
// as three replicas would: each module is refused at upload with a reason,
// or its call ends the same way on all three (the same output or error,
// the same fuel); and every runtime serves a well-behaved call afterwards.
func TestAdversarialCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("long (runs each module of the corpus on three runtimes): make test runs it")
	}
	t.Parallel()
	wasiImport := func(fn string) []byte {
		return guestModule([]wimport{{"wasi_snapshot_preview1", fn, []byte{tI32}, []byte{tI32}}}, nil, nil).bytes()
	}
	simd := append([]byte{0xfd, 0x0c}, make([]byte, 16)...)
	tests := []corpusCase{
		adversaryOp("infinite loop", wasm.Update, "loop", "out of fuel"),
		adversaryOp("a loop made only of calls", wasm.Update, "calls", "out of fuel"),
		adversaryOp("exponential recursion", wasm.Update, "recurse", "out of fuel"),
		adversaryOp("unbounded recursion", wasm.Update, "deep", "out of fuel"),
		withFuel(adversaryOp("memory bomb", wasm.Update, "membomb", "out of memory"), wasm.MaxFuel),
		// Growing the memory by 100 MiB costs more than the default
		// budget: with the largest, set_output's limit stops it.
		withFuel(adversaryOp("a 100 MiB result", wasm.Update, "bigresult", "over the limit"), wasm.MaxFuel),
		adversaryOp("NaN-producing float code", wasm.Update, "nan", ""),
		adversaryOp("a query that writes", wasm.Query, "write", "queries are read-only"),
		{
			name:   "an infinite loop in plain wasm",
			module: fixed(guestModule(nil, code([]byte{opLoop, blockEmpty, opBr, 0, opEnd}, i32(0)), nil).bytes()),
			fails:  "out of fuel",
		},
		{
			// synod_update (function 2) calls itself until the stack is
			// exhausted, which takes more than the default budget.
			name:   "unbounded recursion in plain wasm",
			module: fixed(guestModule(nil, code(local(0), local(1), call(2)), nil).bytes()),
			fails:  "stack overflow",
			fuel:   wasm.MaxFuel,
		},
		{
			// call_indirect is charged as a call within the module.
			name: "a host function in a table",
			module: fixed(wmodule{
				imports: []wimport{impKVDelete},
				funcs:   guestModule([]wimport{impKVDelete}, nil, nil).funcs,
				tables:  []byte{1, 0x70, 0, 1},
				elems:   code([]byte{1, 0}, i32(0), []byte{opEnd, 1, 0}),
			}.bytes()),
			refused: "a table holds imported function 0",
		},
		{
			name: "out-of-bounds pointers",
			module: fixed(guestModule([]wimport{impKVGet}, code(
				i32(-16), i32(16), i32(0), i32(0), call(0), []byte{opDrop}, i32(0)), nil).bytes()),
			fails: "outside memory",
		},
		{
			name: "a huge data segment",
			module: fixed(wmodule{
				funcs: guestModule(nil, nil, nil).funcs,
				data:  append(append([]byte{1, 0}, code(i32(0), []byte{opEnd})...), append(uleb(8<<20), make([]byte, 8<<20)...)...),
			}.bytes()),
			refused: "instantiation failed",
		},
		{
			name:    "a huge table",
			module:  fixed(wmodule{funcs: guestModule(nil, nil, nil).funcs, tables: append([]byte{1, 0x70, 0}, uleb(1<<30)...)}.bytes()),
			refused: "elements",
		},
		{name: "path_open", module: fixed(wasiImport("path_open")), refused: "path_open; guests have no files"},
		{name: "sock_accept", module: fixed(wasiImport("sock_accept")), refused: "sock_accept; guests have no files"},
		{
			name:    "an unknown host import",
			module:  fixed(guestModule([]wimport{{"synod", "launch_missiles", nil, nil}}, nil, nil).bytes()),
			refused: "which the host does not provide",
		},
		{name: "SIMD", module: fixed(guestModule(nil, code(simd, []byte{opDrop}, i32(0)), nil).bytes()), refused: "SIMD"},
		{name: "threads", module: fixed(guestModule(nil, code([]byte{0xfe, 0x03, 0x00}, i32(0)), nil).bytes()), refused: "threads"},
		{
			name: "a table that grows",
			module: fixed(wmodule{
				funcs:  guestModule(nil, code([]byte{0xd0, 0x70}, i32(1), []byte{0xfc, 15, 0, opDrop}, i32(0)), nil).funcs,
				tables: []byte{1, 0x70, 0, 1},
			}.bytes()),
			refused: "changes a table",
		},
		{name: "a malformed binary", module: fixed([]byte("\x00asm\x01\x00\x00\x00\x01\xff")), refused: "not a valid WebAssembly binary"},
	}
	runtimes := []*wasm.Runtime{newRuntime(t, wasm.Config{}), newRuntime(t, wasm.Config{}), newRuntime(t, wasm.Config{})}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := tt.module(t)
			var first string
			for i, rt := range runtimes {
				m, err := rt.Load(t.Context(), wasm.Hash(bin), bin)
				if tt.refused != "" {
					if !errors.Is(err, wasm.ErrInvalidModule) || !strings.Contains(err.Error(), tt.refused) {
						t.Fatalf("runtime %d: upload: got %v, want it refused with %q", i, err, tt.refused)
					}
					continue
				}
				if err != nil {
					t.Fatalf("runtime %d: upload: %v", i, err)
				}
				out, fuel, err := m.Call(t.Context(), tt.entry, []byte(tt.input), wasm.Env{TimeNanos: 1, Fuel: tt.fuel}, newMemKV())
				if (tt.fails == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.fails)) {
					t.Fatalf("runtime %d: got (%x, %v), want an error containing %q", i, out, err, tt.fails)
				}
				got := fmt.Sprintf("output %x, fuel %d, error %v", out, fuel, err)
				if i == 0 {
					first = got
					t.Log(got)
				} else if got != first {
					t.Errorf("runtime %d: %s; runtime 0: %s", i, got, first)
				}
			}
		})
	}
	kv := testwasm.Build(t, testwasm.KV)
	for i, rt := range runtimes {
		m := load(t, rt, kv)
		out, _, err := m.Call(t.Context(), wasm.Update, []byte(`{"op":"put","key":"k","value":"v"}`), wasm.Env{}, newMemKV())
		if err != nil || !bytes.Contains(out, []byte("ok")) {
			t.Errorf("runtime %d after the corpus: got (%s, %v), want a put to succeed", i, out, err)
		}
	}
}
