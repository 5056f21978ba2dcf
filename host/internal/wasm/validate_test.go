package wasm_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/testwasm"
)

// without returns m without the function exported as name.
func without(m wmodule, name string) wmodule {
	var funcs []wfunc
	for _, f := range m.funcs {
		if f.export != name {
			funcs = append(funcs, f)
		}
	}
	m.funcs = funcs
	return m
}

// withFunc returns m with the function exported as name replaced by f.
func withFunc(m wmodule, name string, f wfunc) wmodule {
	funcs := make([]wfunc, len(m.funcs))
	for i, g := range m.funcs {
		if g.export == name {
			g = f
			g.export = name
		}
		funcs[i] = g
	}
	m.funcs = funcs
	return m
}

func TestValidate(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	valid := guestModule(nil, nil, nil)
	tests := []struct {
		name string
		wasm []byte
		// want is a substring of the error, which must wrap
		// ErrInvalidModule; empty means the module is valid.
		want string
	}{
		{name: "minimal module", wasm: valid.bytes()},
		{
			name: "every synod import and a WASI import",
			wasm: guestModule([]wimport{
				impKVGet, impKVSet, impKVDelete, impKVScan, impSetOutput, impSetError,
				{"wasi_snapshot_preview1", "random_get", []byte{tI32, tI32}, []byte{tI32}},
			}, nil, nil).bytes(),
		},
		{name: "not wasm", wasm: []byte("this is not wasm"), want: "not a valid WebAssembly binary"},
		{name: "no bytes", wasm: nil, want: "not a valid WebAssembly binary"},
		{name: "truncated", wasm: valid.bytes()[:20], want: "not a valid WebAssembly binary"},
		{name: "empty module", wasm: wmodule{noMemory: true}.bytes(), want: `does not export its memory as "memory"`},
		{name: "no memory", wasm: func() []byte { m := valid; m.noMemory = true; return m.bytes() }(), want: `does not export its memory as "memory"`},
		{name: "memory exported under another name", wasm: func() []byte { m := valid; m.memExport = "mem"; return m.bytes() }(), want: `does not export its memory as "memory"`},
		{name: "missing synod_abi_version", wasm: without(valid, "synod_abi_version").bytes(), want: `required export "synod_abi_version" is missing`},
		{name: "missing synod_alloc", wasm: without(valid, "synod_alloc").bytes(), want: `required export "synod_alloc" is missing`},
		{name: "missing synod_update", wasm: without(valid, "synod_update").bytes(), want: `required export "synod_update" is missing`},
		{name: "missing synod_query", wasm: without(valid, "synod_query").bytes(), want: `required export "synod_query" is missing`},
		{
			name: "synod_abi_version takes a parameter",
			wasm: withFunc(valid, "synod_abi_version", wfunc{params: []byte{tI32}, results: []byte{tI32}, body: i32(1)}).bytes(),
			want: `export "synod_abi_version" has signature (i32) -> (i32), want () -> (i32)`,
		},
		{
			name: "synod_alloc returns nothing",
			wasm: withFunc(valid, "synod_alloc", wfunc{params: []byte{tI32}}).bytes(),
			want: `export "synod_alloc" has signature (i32) -> (), want (i32) -> (i32)`,
		},
		{
			name: "synod_update takes i64",
			wasm: withFunc(valid, "synod_update", wfunc{params: []byte{tI64, tI32}, results: []byte{tI32}, body: i32(0)}).bytes(),
			want: `export "synod_update" has signature (i64, i32) -> (i32), want (i32, i32) -> (i32)`,
		},
		{
			name: "synod_query returns i64",
			wasm: withFunc(valid, "synod_query", wfunc{params: []byte{tI32, tI32}, results: []byte{tI64}, body: []byte{0x42, 0x00}}).bytes(),
			want: `export "synod_query" has signature (i32, i32) -> (i64), want (i32, i32) -> (i32)`,
		},
		{
			name: "forbidden import module",
			wasm: guestModule([]wimport{{"env", "foo", nil, nil}}, nil, nil).bytes(),
			want: `imports env.foo; only the "synod" and "wasi_snapshot_preview1" modules are allowed`,
		},
		{
			name: "unknown synod import",
			wasm: guestModule([]wimport{{"synod", "kv_increment", []byte{tI32}, nil}}, nil, nil).bytes(),
			want: "imports synod.kv_increment, which the host does not provide",
		},
		{
			name: "synod import with a wrong signature",
			wasm: guestModule([]wimport{{"synod", "kv_get", []byte{tI32, tI32}, []byte{tI32}}}, nil, nil).bytes(),
			want: "import synod.kv_get has signature (i32, i32) -> (i32), want (i32, i32, i32, i32) -> (i32)",
		},
		{
			name: "WASI import with a wrong signature",
			wasm: guestModule([]wimport{{"wasi_snapshot_preview1", "random_get", nil, nil}}, nil, nil).bytes(),
			want: "instantiation failed",
		},
		{
			name: "imported memory",
			wasm: func() []byte { m := valid; m.memImport = "mem"; return m.bytes() }(),
			want: "imports memory env.mem; a module must define its own",
		},
		{
			name: "ABI version 2",
			wasm: withFunc(valid, "synod_abi_version", wfunc{results: []byte{tI32}, body: i32(2)}).bytes(),
			want: "module speaks ABI version 2, this host speaks 1",
		},
		{
			name: "synod_abi_version traps",
			wasm: withFunc(valid, "synod_abi_version", wfunc{results: []byte{tI32}, body: []byte{opUnreachable}}).bytes(),
			want: "synod_abi_version failed",
		},
		{
			name: "a WASI command",
			wasm: func() []byte {
				m := valid
				m.funcs = append(m.funcs[:len(m.funcs):len(m.funcs)], wfunc{export: "_start"})
				return m.bytes()
			}(),
			want: "it exports _start, so it is a WASI command",
		},
		{
			name: "_initialize traps",
			wasm: func() []byte {
				m := valid
				m.funcs = append(m.funcs[:len(m.funcs):len(m.funcs)], wfunc{export: "_initialize", body: []byte{opUnreachable}})
				return m.bytes()
			}(),
			want: "instantiation failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info, err := rt.Validate(t.Context(), tt.wasm)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				want := wasm.Info{Hash: wasm.Hash(tt.wasm), ABIVersion: wasm.ABIVersion}
				if info != want {
					t.Errorf("got %+v, want %+v", info, want)
				}
				return
			}
			if !errors.Is(err, wasm.ErrInvalidModule) {
				t.Fatalf("got error %v, want one wrapping ErrInvalidModule", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q, want it to say %q", err, tt.want)
			}
			if info != (wasm.Info{}) {
				t.Errorf("got info %+v with an error, want none", info)
			}
			if _, ok := rt.Loaded(wasm.Hash(tt.wasm)); ok {
				t.Error("an invalid module was kept as loaded")
			}
		})
	}
}

func TestValidateSizeLimit(t *testing.T) {
	t.Parallel()
	bin := guestModule(nil, nil, nil).bytes()
	tests := []struct {
		name    string
		limit   int
		tooLong bool
	}{
		{name: "one byte over", limit: len(bin) - 1, tooLong: true},
		{name: "at the limit", limit: len(bin)},
		{name: "default limit", limit: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := newRuntime(t, wasm.Config{MaxModuleBytes: tt.limit})
			_, err := rt.Validate(t.Context(), bin)
			if !tt.tooLong {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, wasm.ErrModuleTooLarge) {
				t.Fatalf("got %v, want ErrModuleTooLarge", err)
			}
			want := "the limit is " + strconv.Itoa(tt.limit)
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), strconv.Itoa(len(bin))+" bytes") {
				t.Errorf("got %q, want it to give the size %d and say %q", err, len(bin), want)
			}
		})
	}
}

func TestValidateExamples(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	for _, pkg := range []string{testwasm.KV, probe} {
		t.Run(pkg[strings.LastIndexByte(pkg, '/')+1:], func(t *testing.T) {
			bin := testwasm.Build(t, pkg)
			info, err := rt.Validate(t.Context(), bin)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if info.Hash != wasm.Hash(bin) || info.ABIVersion != wasm.ABIVersion {
				t.Errorf("got %+v, want hash %s and ABI version %d", info, wasm.Hash(bin), wasm.ABIVersion)
			}
		})
	}
}

func TestLoadCachesModules(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	bin := guestModule(nil, nil, nil).bytes()
	hash := wasm.Hash(bin)
	if _, ok := rt.Loaded(hash); ok {
		t.Fatal("Loaded reports a module that was never loaded")
	}
	m1 := load(t, rt, bin)
	if m1.Hash() != hash {
		t.Errorf("got hash %s, want %s", m1.Hash(), hash)
	}
	m2 := load(t, rt, bin)
	got, ok := rt.Loaded(hash)
	if m1 != m2 || !ok || got != m1 {
		t.Error("loading a module twice gave different modules")
	}
	if _, err := rt.Validate(t.Context(), bin); err != nil {
		t.Errorf("Validate of a loaded module: %v", err)
	}
}

// TestLoadChecksTheHash checks that bytes given under another module's
// content address are refused, not compiled, and leave nothing loaded
// under that address: a swapped or corrupted module never runs.
func TestLoadChecksTheHash(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	honest := guestModule(nil, nil, nil).bytes()
	other := guestModule(nil, i32(7), nil).bytes()
	hash := wasm.Hash(honest)
	_, err := rt.Load(t.Context(), hash, other)
	if !errors.Is(err, wasm.ErrHashMismatch) || !strings.Contains(err.Error(), wasm.Hash(other)) {
		t.Fatalf("Load of other bytes under %s: got %v, want ErrHashMismatch naming what they hash to", hash, err)
	}
	if _, ok := rt.Loaded(hash); ok {
		t.Fatal("refused bytes were loaded under the hash")
	}
	if m := load(t, rt, honest); m.Hash() != hash {
		t.Errorf("the honest bytes loaded as %s, want %s", m.Hash(), hash)
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	// The SHA-256 of the empty string.
	const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got := wasm.Hash(nil); got != empty {
		t.Errorf("Hash(nil) = %s, want %s", got, empty)
	}
}

// FuzzValidate checks that no input makes Validate panic, fail with
// anything but the two documented errors, or allocate much; and it checks
// precheck against wazero's decoder (see [checkPrecheck]).
func FuzzValidate(f *testing.F) {
	f.Add(guestModule(nil, nil, nil).bytes())
	f.Add(guestModule([]wimport{impKVGet, impSetError}, nil, nil).bytes())
	f.Add(wmodule{noMemory: true}.bytes())
	f.Add([]byte("\x00asm"))
	f.Add(kitchenSink())
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x02\x05\xff\xff\xff\xff\x0f"))
	// A small memory limit, so that an instance costs little.
	rt, err := wasm.NewRuntime(context.Background(), wasm.Config{MaxModuleBytes: 1 << 16, MemoryLimitPages: 16})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = rt.Close(context.Background()) })
	ref := refRuntime(f)
	f.Fuzz(func(t *testing.T, bin []byte) {
		if len(bin) <= 1<<16 {
			checkPrecheck(t, ref, bin)
		}
		// A fuzzed start function may loop: its fuel bounds it.
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := rt.Validate(ctx, bin)
		runtime.ReadMemStats(&after)
		if err != nil && !errors.Is(err, wasm.ErrInvalidModule) && !errors.Is(err, wasm.ErrModuleTooLarge) {
			t.Fatalf("Validate: %v does not wrap ErrInvalidModule or ErrModuleTooLarge", err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; len(bin) < 1<<10 && alloc > 64<<20 {
			t.Fatalf("Validate allocated %d MiB for a module of %d bytes", alloc>>20, len(bin))
		}
	})
}
