package wasm_test

// A tiny assembler for hand-written WebAssembly modules, so that validation
// and ABI tests can build exactly the module they need (a missing export, a
// wrong signature, a guest that passes a bad pointer) without a toolchain.
// It covers the binary format's type, import, function, memory, export and
// code sections, and takes the table and data sections as raw bytes.

import (
	"encoding/binary"

	"github.com/synodhq/synod/host/internal/wasm/leb"
)

// Value types and instructions used by the tests.
const (
	tI32 = 0x7f
	tI64 = 0x7e

	opUnreachable = 0x00
	opLoop        = 0x03
	opBr          = 0x0c
	opDrop        = 0x1a
	opLocalGet    = 0x20
	opI32Const    = 0x41
	opCall        = 0x10
	opEnd         = 0x0b
	blockEmpty    = 0x40
)

// wfunc is a function defined by the module, exported under export unless
// that is empty. body holds its instructions without the final end; the
// function's locals are its parameters, then one of each type in locals.
type wfunc struct {
	export          string
	params, results []byte
	locals          []byte
	body            []byte
}

// wimport is an imported function.
type wimport struct {
	module, name    string
	params, results []byte
}

// wmodule describes a module. Function indices count the imports first.
type wmodule struct {
	imports []wimport
	// memImport, if set, imports the memory as module "env", name
	// memImport, instead of defining one.
	memImport string
	// noMemory leaves the module without a memory.
	noMemory bool
	// memExport is the export name of the memory; empty means "memory".
	memExport string
	// memPages is the memory's minimum size in pages; 0 means 1.
	memPages int
	funcs    []wfunc
	// tables, elems and data, if set, are the contents of the table,
	// element and data sections.
	tables, elems, data []byte
}

func (m wmodule) bytes() []byte {
	out := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

	var types [][]byte
	for _, im := range m.imports {
		types = append(types, funcType(im.params, im.results))
	}
	for _, f := range m.funcs {
		types = append(types, funcType(f.params, f.results))
	}
	if len(types) > 0 {
		out = section(out, 1, vec(types))
	}

	var imports [][]byte
	for i, im := range m.imports {
		e := append(name(im.module), name(im.name)...)
		imports = append(imports, append(append(e, 0x00), uleb(uint64(i))...))
	}
	if m.memImport != "" {
		e := append(name("env"), name(m.memImport)...)
		imports = append(imports, append(e, 0x02, 0x00, 0x01))
	}
	if len(imports) > 0 {
		out = section(out, 2, vec(imports))
	}

	var funcs [][]byte
	for i := range m.funcs {
		funcs = append(funcs, uleb(uint64(len(m.imports)+i)))
	}
	if len(funcs) > 0 {
		out = section(out, 3, vec(funcs))
	}
	if m.tables != nil {
		out = section(out, 4, m.tables)
	}

	if !m.noMemory && m.memImport == "" {
		out = section(out, 5, vec([][]byte{append([]byte{0x00}, uleb(uint64(max(m.memPages, 1)))...)})) // no maximum
	}

	var exports [][]byte
	if !m.noMemory {
		exp := m.memExport
		if exp == "" {
			exp = "memory"
		}
		exports = append(exports, append(name(exp), 0x02, 0x00))
	}
	for i, f := range m.funcs {
		if f.export != "" {
			e := append(name(f.export), 0x00)
			exports = append(exports, append(e, uleb(uint64(len(m.imports)+i))...))
		}
	}
	if len(exports) > 0 {
		out = section(out, 7, vec(exports))
	}

	if m.elems != nil {
		out = section(out, 9, m.elems)
	}
	var code [][]byte
	for _, f := range m.funcs {
		body := uleb(uint64(len(f.locals)))
		for _, t := range f.locals {
			body = append(body, 1, t)
		}
		body = append(body, f.body...)
		body = append(body, opEnd)
		code = append(code, append(uleb(uint64(len(body))), body...))
	}
	if len(code) > 0 {
		out = section(out, 10, vec(code))
	}
	if m.data != nil {
		out = section(out, 11, m.data)
	}
	return out
}

func funcType(params, results []byte) []byte {
	b := []byte{0x60}
	b = append(b, uleb(uint64(len(params)))...)
	b = append(b, params...)
	b = append(b, uleb(uint64(len(results)))...)
	return append(b, results...)
}

func section(out []byte, id byte, content []byte) []byte {
	out = append(out, id)
	out = append(out, uleb(uint64(len(content)))...)
	return append(out, content...)
}

func vec(items [][]byte) []byte {
	b := uleb(uint64(len(items)))
	for _, it := range items {
		b = append(b, it...)
	}
	return b
}

func name(s string) []byte {
	return append(uleb(uint64(len(s))), s...)
}

func uleb(v uint64) []byte {
	return binary.AppendUvarint(nil, v)
}

// i32 returns the instruction i32.const v.
func i32(v int32) []byte {
	return leb.AppendS64([]byte{opI32Const}, int64(v))
}

// call returns the instruction call idx.
func call(idx int) []byte {
	return append([]byte{opCall}, uleb(uint64(idx))...)
}

// local returns the instruction local.get idx.
func local(idx int) []byte {
	return append([]byte{opLocalGet}, uleb(uint64(idx))...)
}

// code concatenates instructions.
func code(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// allocPtr is where the test modules' synod_alloc puts every request.
const allocPtr = 1024

// guestModule returns a module with the four required exports: version
// returns abiVersion, synod_alloc returns [allocPtr], and synod_update and
// synod_query run update and query (nil: return 0). imports come first in
// the function index space, in the order given.
func guestModule(imports []wimport, update, query []byte) wmodule {
	if update == nil {
		update = i32(0)
	}
	if query == nil {
		query = i32(0)
	}
	return wmodule{
		imports: imports,
		funcs: []wfunc{
			{export: "synod_abi_version", results: []byte{tI32}, body: i32(1)},
			{export: "synod_alloc", params: []byte{tI32}, results: []byte{tI32}, body: i32(allocPtr)},
			{export: "synod_update", params: []byte{tI32, tI32}, results: []byte{tI32}, body: update},
			{export: "synod_query", params: []byte{tI32, tI32}, results: []byte{tI32}, body: query},
		},
	}
}

// The synod imports, with their ABI signatures.
var (
	impKVGet     = wimport{"synod", "kv_get", []byte{tI32, tI32, tI32, tI32}, []byte{tI32}}
	impKVSet     = wimport{"synod", "kv_set", []byte{tI32, tI32, tI32, tI32}, nil}
	impKVDelete  = wimport{"synod", "kv_delete", []byte{tI32, tI32}, nil}
	impKVScan    = wimport{"synod", "kv_scan", []byte{tI32, tI32, tI32, tI32, tI32, tI32, tI32}, []byte{tI32}}
	impSetOutput = wimport{"synod", "set_output", []byte{tI32, tI32}, nil}
	impSetError  = wimport{"synod", "set_error", []byte{tI32, tI32, tI32}, nil}
)
