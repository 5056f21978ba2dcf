package wasm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/testwasm"
)

// cat concatenates byte strings.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// mod returns a module of the given sections, each an id and its content.
func mod(sections ...[]byte) []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		out = section(out, s[0], s[1:])
	}
	return out
}

// sec returns a section for mod: its id, then its content.
func sec(id byte, content ...[]byte) []byte {
	return cat(append([][]byte{{id}}, content...)...)
}

// kitchenSink is a module with every section and every kind of entry that
// precheck walks: tables with and without initialisers, globals of every
// constant kind, all eight element segment encodings, data segments of
// all three, local declarations with reference types, and custom sections
// including a name section with every subsection wazero parses.
func kitchenSink() []byte {
	raw := func(b ...byte) []byte { return b }
	return mod(
		sec(1, vec([][]byte{
			funcType(nil, nil),
			funcType([]byte{tI32, tI64, 0x7d, 0x7c, 0x7b, 0x70, 0x6f}, []byte{tI32, tI32}),
			// A recursion group whose second type takes a (ref null 2).
			cat(raw(0x4e), vec([][]byte{funcType(nil, nil), {0x60, 0x01, 0x63, 0x02, 0x00}})),
		})),
		sec(2, vec([][]byte{
			cat(name("env"), name("f"), raw(0x00, 0x00)),
			cat(name("env"), name("t"), raw(0x01, 0x70, 0x00, 0x01)),
			cat(name("env"), name("g"), raw(0x03, tI32, 0x00)),
		})),
		sec(3, vec([][]byte{{0x00}, {0x01}, {0x00}})),
		sec(4, vec([][]byte{
			{0x70, 0x01, 0x02, 0x0a},
			{0x6f, 0x00, 0x01},
			{0x40, 0x00, 0x63, 0x70, 0x00, 0x01, 0xd0, 0x70, opEnd},
		})),
		sec(5, vec([][]byte{{0x01, 0x01, 0x02}})),
		sec(6, vec([][]byte{
			cat(raw(tI32, 0x01), i32(-1), raw(opEnd)),
			{tI64, 0x00, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, opEnd},
			{0x7d, 0x00, 0x43, 0, 0, 0x80, 0x3f, opEnd},
			{0x7c, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, opEnd},
			cat(raw(0x7b, 0x00, 0xfd, 0x0c), make([]byte, 16), raw(opEnd)),
			{0x70, 0x00, 0xd0, 0x70, opEnd},
			{0x70, 0x00, 0xd2, 0x01, opEnd},
			{tI32, 0x00, 0x23, 0x00, opEnd},
		})),
		sec(7, vec([][]byte{
			cat(name("f"), raw(0x00, 0x01)),
			cat(name("t"), raw(0x01, 0x01)),
			cat(name("memory"), raw(0x02, 0x00)),
			cat(name("g"), raw(0x03, 0x00)),
		})),
		sec(8, uleb(1)),
		sec(9, vec([][]byte{
			cat(raw(0x00), i32(0), raw(opEnd, 0x01, 0x01)),
			{0x01, 0x00, 0x01, 0x02},
			cat(raw(0x02, 0x01), i32(1), raw(opEnd, 0x00, 0x01, 0x03)),
			{0x03, 0x00, 0x01, 0x01},
			cat(raw(0x04), i32(0), raw(opEnd, 0x02, 0xd2, 0x01, opEnd, 0xd0, 0x70, opEnd)),
			{0x05, 0x70, 0x01, 0xd2, 0x02, opEnd},
			cat(raw(0x06, 0x02), i32(0), raw(opEnd, 0x6f, 0x01, 0xd0, 0x6f, opEnd)),
			{0x07, 0x70, 0x01, 0xd2, 0x03, opEnd},
		})),
		sec(12, uleb(3)),
		sec(10, vec([][]byte{
			cat(uleb(2), raw(0x00, opEnd)),
			cat(uleb(13), raw(0x03, 0x02, tI32, 0x01, 0x7b, 0x01, 0x63, 0x70), i32(0), i32(0), raw(opEnd)),
			cat(uleb(2), raw(0x00, opEnd)),
		})),
		sec(11, vec([][]byte{
			cat(raw(0x00), i32(0), raw(opEnd), name("active")),
			cat(raw(0x01), name("passive")),
			cat(raw(0x02, 0x00), i32(8), raw(opEnd), name("memory 0")),
		})),
		sec(0, name("producers"), []byte("anything")),
		sec(0, name("name"),
			cat(raw(0), uleb(5), name("sink")),
			cat(raw(1), uleb(7), vec([][]byte{cat(uleb(0), name("f")), cat(uleb(1), name("g"))})),
			cat(raw(2), uleb(9), vec([][]byte{cat(uleb(1), vec([][]byte{cat(uleb(0), name("x")), cat(uleb(1), name("y"))}))})),
			cat(raw(7), uleb(3), vec([][]byte{cat(uleb(0), name(""))})),
		),
	)
}

// huge is the largest count or length a module can declare.
var huge = uleb(1<<32 - 1)

// TestPrecheckReproducers checks that modules which made wazero exhaust
// the host's memory, or panic, are refused quickly and cheaply. It is not
// parallel, so that it measures only its own allocations.
func TestPrecheckReproducers(t *testing.T) {
	rt := newRuntime(t, wasm.Config{})
	tests := []struct {
		name string
		wasm []byte
		want string
	}{
		{
			name: "2^32-1 imports: a fatal out of memory error",
			wasm: []byte("\x00asm\x01\x00\x00\x00\x02\x05\xff\xff\xff\xff\x0f"),
			want: "import section at offset 8: 4294967295 imports need at least 17179869180 bytes, but 0 remain (offset 10)",
		},
		{
			name: "2^32-1 exports: killed for out of memory",
			wasm: []byte("\x00asm\x01\x00\x00\x00\x07\x05\xff\xff\xff\xff\x0f"),
			want: "export section at offset 8: 4294967295 exports need at least 12884901885 bytes, but 0 remain (offset 10)",
		},
		{
			name: "a section larger than the file: 12 GB allocated",
			wasm: []byte("\x00asm\x01\x00\x00\x00\a0\xcf\xcf\xcfV"),
			want: "export section at offset 8: the section is 48 bytes, but 4 remain (offset 9)",
		},
		{
			name: "local declarations past the end of the body: a wazero panic",
			wasm: mod(
				sec(1, vec([][]byte{funcType(nil, nil)})),
				sec(3, vec([][]byte{{0x00}})),
				sec(10, vec([][]byte{{0x03, 0x01, 0x01, 0x63, 0x00}})),
			),
			want: "code section at offset 18: unexpected end of the function body (offset 25)",
		},
		{
			name: "found by fuzzing: the same panic, in a code section past the end of the file",
			wasm: []byte("\x00asm\x01\x00\x00\x00\n00\x03\x010c0"),
			want: "code section at offset 8: the section is 48 bytes, but 6 remain (offset 9)",
		},
		{
			name: "2^32-1 locals",
			wasm: mod(
				sec(1, vec([][]byte{funcType(nil, nil)})),
				sec(3, vec([][]byte{{0x00}})),
				sec(10, vec([][]byte{cat(uleb(8), uleb(1), huge, []byte{tI32, opEnd})})),
			),
			want: "code section at offset 18: function 0 declares 4,294,967,295 locals, over the limit of 10,000 (offset 21)",
		},
		{
			name: "eight tables of 2^27 elements: 8 GiB at instantiation",
			wasm: mod(sec(4, vec(slices.Repeat([][]byte{{0x70, 0x00, 0x80, 0x80, 0x80, 0x40}}, 8)))),
			want: "table section at offset 8: its tables have 134,217,728 elements in all, over the limit of 1,048,576 (offset 11)",
		},
		{
			name: "found by fuzzing: an export section past the end of the file, whose count of 199,823,908 wazero allocated for",
			wasm: []byte("\x00asm\x01\x00\x00\x00\x02\"\x02\x05synod\x06kv_get\x00\x00\x05synod\t\x05\x04\x02\x03\x04\x05\x05\x03\x01\x00\x01\ay\xa4\xa4\xa4_update\x00\x04\vsynod_query\x00\x05\n\x16\x04\x04\x00A\x01\v\x05\x00A\x80\b\v\x04\x00A\x00\v\x04\x00A\x00u"),
			want: "export section at offset 44: the section is 121 bytes, but 50 remain (offset 45)",
		},
		{
			name: "2^32-1 function names read past the name section",
			wasm: cat(mod(sec(0, name("name"), []byte{0x01, 0x00})), huge),
			want: "custom section at offset 8: 4294967295 function names need at least 8589934590 bytes, but 0 remain (offset 17)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alloc, took := refusedValidate(t, rt, tt.wasm, tt.want)
			if alloc > 1<<20 {
				t.Errorf("Validate allocated %d bytes, want at most 1 MiB", alloc)
			}
			if took > 500*time.Millisecond {
				t.Errorf("Validate took %v, want at most 500ms", took)
			}
		})
	}
}

// TestPrecheckRefuses checks that a count or length too large for what
// holds it is refused, for every section and every nested vector and byte
// string, with an error that names the section, and that other malformed
// structure is refused too.
func TestPrecheckRefuses(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	header := "\x00asm\x01\x00\x00\x00"
	typ := sec(1, vec([][]byte{funcType(nil, nil)}))
	fn := sec(3, vec([][]byte{{0x00}}))
	body := func(b ...[]byte) []byte { return mod(typ, fn, sec(10, uleb(1), name(string(cat(b...))))) }
	nameSec := func(b ...[]byte) []byte { return mod(sec(0, append([][]byte{name("name")}, b...)...)) }
	tests := []struct {
		name string
		wasm []byte
		want string // a substring of the error
	}{
		{name: "no bytes", wasm: nil, want: "header: not a WebAssembly module"},
		{name: "half a magic number", wasm: []byte("\x00as"), want: "header: not a WebAssembly module"},
		{name: "no version", wasm: []byte("\x00asm"), want: "header: unsupported binary format version"},
		{name: "version 2", wasm: []byte("\x00asm\x02\x00\x00\x00"), want: "header: unsupported binary format version"},

		{name: "section size past the end", wasm: []byte(header + "\x01\x10\x00"), want: "type section at offset 8: the section is 16 bytes, but 1 remain (offset 9)"},
		{name: "section size of six bytes", wasm: []byte(header + "\x01\x80\x80\x80\x80\x80\x00"), want: "type section at offset 8: integer overflows 32 bits (offset 9)"},
		{name: "section size over 32 bits", wasm: []byte(header + "\x01\xff\xff\xff\xff\x1f"), want: "type section at offset 8: integer overflows 32 bits"},
		{name: "section size cut short", wasm: []byte(header + "\x01\x80"), want: "type section at offset 8: unexpected end of the module (offset 10)"},
		{name: "unknown section", wasm: mod(sec(14)), want: "section 14 at offset 8: unknown section id 14"},
		{name: "tag section", wasm: mod(sec(13, uleb(0))), want: "unknown section id 13"},
		{name: "bytes left over in a section", wasm: mod(sec(3, uleb(0), []byte{0})), want: "function section at offset 8: its content ends 1 bytes before it does (offset 11)"},

		{name: "types", wasm: mod(sec(1, huge)), want: "type section at offset 8: 4294967295 types need at least 8589934590 bytes, but 0 remain (offset 10)"},
		{name: "parameters", wasm: mod(sec(1, uleb(1), []byte{0x60}, huge)), want: "type section at offset 8: 4294967295 parameters"},
		{name: "results", wasm: mod(sec(1, uleb(1), []byte{0x60, 0x00}, huge)), want: "type section at offset 8: 4294967295 results"},
		{name: "types in a recursion group", wasm: mod(sec(1, uleb(1), []byte{0x4e}, huge)), want: "type section at offset 8: 4294967295 types in a recursion group"},
		{name: "parameters in a recursion group", wasm: mod(sec(1, uleb(1), []byte{0x4e, 0x01, 0x60}, huge)), want: "type section at offset 8: 4294967295 parameters"},
		{name: "not a function type", wasm: mod(sec(1, uleb(1), []byte{0x5f, 0x00, 0x00})), want: "type section at offset 8: type form 0x5f, want 0x60"},

		{name: "types over the limit", wasm: mod(sec(1, uleb(1<<12+1), bytes.Repeat([]byte{0x60, 0, 0}, 1<<12+1))), want: "type section at offset 8: it has 4,097 types, over the limit of 4,096"},
		{name: "imports", wasm: mod(sec(2, huge)), want: "import section at offset 8: 4294967295 imports"},
		{name: "import module name", wasm: mod(sec(2, uleb(1), huge)), want: "import section at offset 8: import module name of 4294967295 bytes, but 0 remain"},
		{name: "import name", wasm: mod(sec(2, uleb(1), name("synod"), huge)), want: "import section at offset 8: import name of 4294967295 bytes"},
		{name: "import kind", wasm: mod(sec(2, uleb(1), name("synod"), name("f"), []byte{0x04, 0x00})), want: "import section at offset 8: unknown import kind 0x4"},
		{name: "imported table limits", wasm: mod(sec(2, uleb(1), name("env"), name("t"), []byte{0x01, 0x70, 0x04, 0x00})), want: "import section at offset 8: limits flags 0x4"},

		{name: "functions", wasm: mod(sec(3, huge)), want: "function section at offset 8: 4294967295 functions"},
		{name: "functions over the limit", wasm: mod(sec(3, uleb(1<<16+1), make([]byte, 1<<16+1))), want: "function section at offset 8: it has 65,537 functions, over the limit of 65,536"},

		{name: "tables", wasm: mod(sec(4, huge)), want: "table section at offset 8: 4294967295 tables"},
		{name: "a table over the element limit", wasm: mod(sec(4, vec([][]byte{cat([]byte{0x70, 0x00}, uleb(1<<20+1))}))), want: "table section at offset 8: its tables have 1,048,577 elements in all, over the limit of 1,048,576"},

		{name: "memories", wasm: mod(sec(5, huge)), want: "memory section at offset 8: 4294967295 memories"},

		{name: "globals", wasm: mod(sec(6, huge)), want: "global section at offset 8: 4294967295 globals"},
		{name: "global initialiser without end", wasm: mod(sec(6, uleb(1), []byte{tI32, 0x00}, i32(0))), want: "global section at offset 8: unexpected end of the section"},
		{name: "global initialiser with local.get", wasm: mod(sec(6, uleb(1), []byte{tI32, 0x00, opLocalGet, 0x00, opEnd})), want: "global section at offset 8: opcode 0x20 in a constant expression"},
		{name: "i32.const of six bytes", wasm: mod(sec(6, uleb(1), []byte{tI32, 0x00, opI32Const, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, opEnd})), want: "global section at offset 8: integer longer than 5 bytes"},

		{name: "exports", wasm: mod(sec(7, huge)), want: "export section at offset 8: 4294967295 exports"},
		{name: "export name", wasm: mod(sec(7, uleb(1), huge)), want: "export section at offset 8: export name of 4294967295 bytes"},

		{name: "element segments", wasm: mod(sec(9, huge)), want: "element section at offset 8: 4294967295 element segments"},
		{name: "element segment 0 functions", wasm: mod(sec(9, uleb(1), []byte{0x00}, i32(0), []byte{opEnd}, huge)), want: "element section at offset 8: 4294967295 function indices"},
		{name: "element segment 1 functions", wasm: mod(sec(9, uleb(1), []byte{0x01, 0x00}, huge)), want: "element section at offset 8: 4294967295 function indices"},
		{name: "element segment 2 functions", wasm: mod(sec(9, uleb(1), []byte{0x02, 0x00}, i32(0), []byte{opEnd, 0x00}, huge)), want: "element section at offset 8: 4294967295 function indices"},
		{name: "element segment 3 functions", wasm: mod(sec(9, uleb(1), []byte{0x03, 0x00}, huge)), want: "element section at offset 8: 4294967295 function indices"},
		{name: "element segment 4 expressions", wasm: mod(sec(9, uleb(1), []byte{0x04}, i32(0), []byte{opEnd}, huge)), want: "element section at offset 8: 4294967295 element expressions"},
		{name: "element segment 5 expressions", wasm: mod(sec(9, uleb(1), []byte{0x05, 0x70}, huge)), want: "element section at offset 8: 4294967295 element expressions"},
		{name: "element segment 6 expressions", wasm: mod(sec(9, uleb(1), []byte{0x06, 0x00}, i32(0), []byte{opEnd, 0x70}, huge)), want: "element section at offset 8: 4294967295 element expressions"},
		{name: "element segment 7 expressions", wasm: mod(sec(9, uleb(1), []byte{0x07, 0x64, 0x70}, huge)), want: "element section at offset 8: 4294967295 element expressions"},
		{name: "element segment flags 8", wasm: mod(sec(9, uleb(1), []byte{0x08, 0x00, 0x00})), want: "element section at offset 8: element segment flags 8, want 0 to 7"},

		{name: "function bodies", wasm: mod(typ, fn, sec(10, huge)), want: "code section at offset 18: 4294967295 function bodies"},
		{name: "function body size", wasm: mod(typ, fn, sec(10, uleb(1), huge)), want: "code section at offset 18: the function body is 4294967295 bytes, but 0 remain (offset 21)"},
		{name: "local declarations", wasm: body(huge), want: "code section at offset 18: 4294967295 local declarations need at least 8589934590 bytes, but 0 remain (offset 22)"},
		{name: "locals over the limit in all", wasm: body(uleb(2), uleb(30_000), []byte{tI32}, uleb(30_000), []byte{tI64, opEnd}), want: "code section at offset 18: function 0 declares 60,000 locals, over the limit of 10,000"},
		{name: "locals of a reference type past the body", wasm: body(uleb(1), uleb(1), []byte{0x63}), want: "code section at offset 18: unexpected end of the function body"},

		{name: "data segments", wasm: mod(sec(11, huge)), want: "data section at offset 8: 4294967295 data segments"},
		{name: "active data", wasm: mod(sec(11, uleb(1), []byte{0x00}, i32(0), []byte{opEnd}, huge)), want: "data section at offset 8: data segment of 4294967295 bytes, but 0 remain"},
		{name: "passive data", wasm: mod(sec(11, uleb(1), []byte{0x01}, huge)), want: "data section at offset 8: data segment of 4294967295 bytes"},
		{name: "active data in memory 0", wasm: mod(sec(11, uleb(1), []byte{0x02, 0x00}, i32(0), []byte{opEnd}, huge)), want: "data section at offset 8: data segment of 4294967295 bytes"},
		{name: "data segment flags 3", wasm: mod(sec(11, uleb(1), []byte{0x03, 0x00})), want: "data section at offset 8: data segment flags 3, want 0 to 2"},

		{name: "start section past the end", wasm: []byte(header + "\x08\x05\x00"), want: "start section at offset 8: the section is 5 bytes"},
		{name: "data count section past the end", wasm: []byte(header + "\x0c\x05\x00"), want: "data count section at offset 8: the section is 5 bytes"},

		{name: "custom section name", wasm: mod(sec(0, huge)), want: "custom section at offset 8: custom section name of 4294967295 bytes, but 0 remain"},
		{name: "custom section past the end", wasm: []byte(header + "\x00\x7f\x01x"), want: "custom section at offset 8: the section is 127 bytes, but 2 remain"},
		{name: "name section module name", wasm: nameSec([]byte{0x00, 0x05}, huge), want: "custom section at offset 8: module name of 4294967295 bytes"},
		{name: "name section function names", wasm: nameSec([]byte{0x01, 0x05}, huge), want: "custom section at offset 8: 4294967295 function names"},
		{name: "name section function name", wasm: nameSec([]byte{0x01, 0x07, 0x01, 0x00}, huge), want: "custom section at offset 8: function names of 4294967295 bytes"},
		{name: "name section functions with local names", wasm: nameSec([]byte{0x02, 0x05}, huge), want: "custom section at offset 8: 4294967295 functions with local names"},
		{name: "name section local names", wasm: nameSec([]byte{0x02, 0x07, 0x01, 0x00}, huge), want: "custom section at offset 8: 4294967295 local names"},
		{name: "name section local name", wasm: nameSec([]byte{0x02, 0x09, 0x01, 0x00, 0x01, 0x00}, huge), want: "custom section at offset 8: local names of 4294967295 bytes"},
		{name: "name subsection past the end", wasm: nameSec([]byte{0x07}, huge), want: "custom section at offset 8: name subsection of 4294967295 bytes"},
		{
			name: "name subsections past the section",
			wasm: cat(nameSec([]byte{0x00, 0x00}), sec(0x04, []byte("name"))),
			want: "custom section at offset 8: its subsections run 5 bytes past its end",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Precheck first: should it pass a module it must refuse,
			// Validate could exhaust the test's memory.
			if err := wasm.Precheck(tt.wasm); err == nil {
				t.Fatalf("Precheck passed, want an error saying %q", tt.want)
			}
			_, err := rt.Validate(t.Context(), tt.wasm)
			if !errors.Is(err, wasm.ErrInvalidModule) {
				t.Fatalf("got %v, want an error wrapping ErrInvalidModule", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to say %q", err, tt.want)
			}
		})
	}
}

// refRuntime returns a plain wazero runtime, as a reference for what
// wazero accepts.
func refRuntime(tb testing.TB) wazero.Runtime {
	rt := wazero.NewRuntimeWithConfig(context.Background(), wazero.NewRuntimeConfigInterpreter())
	tb.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

// TestPrecheckAcceptsWhatWazeroAccepts checks precheck against wazero on
// valid modules: the real guests, the test modules, and one with every
// kind of section and entry.
func TestPrecheckAcceptsWhatWazeroAccepts(t *testing.T) {
	t.Parallel()
	ref := refRuntime(t)
	modules := map[string][]byte{
		"kitchen sink":   kitchenSink(),
		"minimal guest":  guestModule(nil, nil, nil).bytes(),
		"with imports":   guestModule([]wimport{impKVGet, impKVSet, impKVDelete, impKVScan, impSetOutput, impSetError}, nil, nil).bytes(),
		"empty module":   wmodule{noMemory: true}.bytes(),
		"memory import":  wmodule{memImport: "mem"}.bytes(),
		"examples/kv":    testwasm.Build(t, testwasm.KV),
		"examples/count": testwasm.Build(t, testwasm.Counter),
		"testdata/probe": testwasm.Build(t, probe),
	}
	for name, bin := range modules {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := ref.CompileModule(t.Context(), bin)
			if err != nil {
				t.Fatalf("wazero refuses the module: %v", err)
			}
			defer c.Close(context.Background())
			if err := wasm.Precheck(bin); err != nil {
				t.Errorf("Precheck: %v", err)
			}
			if name == "kitchen sink" && c.Name() != "sink" {
				t.Errorf("wazero read the module name %q from the name section, want %q", c.Name(), "sink")
			}
		})
	}
}

// checkPrecheck checks precheck on bin against wazero: whatever wazero
// compiles, precheck passes unless it is over one of precheck's limits;
// and whatever precheck passes, wazero compiles without allocating much
// more than the module's size.
func checkPrecheck(t *testing.T, ref wazero.Runtime, bin []byte) {
	err := wasm.Precheck(bin)
	if err != nil && (wasm.PrecheckOverLimit(err) || !smallNumbers(bin)) {
		// wazero could read on past what precheck refused, and allocate
		// GiBs for a count that precheck never saw.
		return
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cerr := refCompile(t, ref, bin)
	runtime.ReadMemStats(&after)
	if err != nil && cerr == nil {
		t.Fatalf("Precheck refused a module that wazero compiles: %v", err)
	}
	if err == nil && errors.Is(cerr, errPanic) {
		t.Fatalf("wazero %v on a module that Precheck passed", cerr)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; err == nil && alloc > 64<<20+64*uint64(len(bin)) {
		t.Fatalf("wazero allocated %d MiB for a module of %d bytes that Precheck passed", alloc>>20, len(bin))
	}
}

var errPanic = errors.New("panicked")

// refCompile compiles bin with ref, turning a panic into an error that
// wraps errPanic: wazero's decoder panics on some modules that precheck
// refuses.
func refCompile(t *testing.T, ref wazero.Runtime, bin []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errPanic, p)
		}
	}()
	c, err := ref.CompileModule(t.Context(), bin)
	if err == nil {
		_ = c.Close(context.Background())
	}
	return err
}

// smallNumbers reports whether no two bytes of bin in a row have their
// high bit set: then every LEB128 in it is at most two bytes, so no count
// or length wazero reads from it is over 16383, and wazero can decode bin
// without precheck's help and without costing much memory.
func smallNumbers(bin []byte) bool {
	for i := 1; i < len(bin); i++ {
		if bin[i-1]&bin[i]&0x80 != 0 {
			return false
		}
	}
	return true
}

// FuzzPrecheck checks precheck against wazero's decoder: see
// [checkPrecheck].
func FuzzPrecheck(f *testing.F) {
	f.Add(kitchenSink())
	f.Add(guestModule([]wimport{impKVGet, impSetError}, nil, nil).bytes())
	f.Add(wmodule{memImport: "mem"}.bytes())
	ref := refRuntime(f)
	f.Fuzz(func(t *testing.T, bin []byte) {
		if len(bin) > 1<<16 {
			return
		}
		checkPrecheck(t, ref, bin)
	})
}
