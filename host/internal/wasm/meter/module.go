package meter

import (
	"bytes"
	"fmt"
	"strings"
)

// Section ids.
const (
	secCustom = 0
	secType   = 1
	secImport = 2
	secFunc   = 3
	secMemory = 5
	secGlobal = 6
	secExport = 7
	secStart  = 8
	secElem   = 9
	secCode   = 10
)

// sectionRank orders the known sections as the binary format requires
// (the data count section, 12, and tags, 13, come out of id order).
var sectionRank = map[byte]int{
	1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13,
}

type section struct {
	id      byte
	content []byte
}

// module is what Instrument needs to know of a module.
type module struct {
	sections []section
	// params is the parameter count of each type.
	params []int
	// funcTypes is the type of each function the module defines.
	funcTypes []uint32
	// importedFuncs is the number of imported functions, which come first
	// in the function index space: the index the yield import takes.
	importedFuncs int
	// globals is the number of globals, imported and defined: the index
	// the fuel global takes.
	globals uint32
	// mutable are the indices of the mutable globals the module defines.
	mutable []uint32
	limits  Limits
}

// Options are what Instrument builds into a module.
type Options struct {
	// StartFuel is the fuel global's initial value: the budget of the
	// module's start function, if it has one.
	StartFuel int64
	// YieldFuel is how much fuel the start function runs between yields:
	// the yield-at global starts at StartFuel less YieldFuel (see
	// [YieldAtExport]).
	YieldFuel int64
	// MaxMemoryPages caps the module's memory: its declared maximum is
	// lowered to it, or set to it if the module declares none, so that
	// memory.grow fails at the same size on every host. A module whose
	// minimum is over it is refused.
	MaxMemoryPages uint32
	// Limits bound what the module's code may ask of the compiler.
	Limits Limits
}

// Instrument returns a copy of the module wasm that meters its fuel, as the
// package documentation describes, and whose memory is capped as opts
// says. The module must have passed the runtime's structural pre-check;
// Instrument decodes every instruction and fails on anything it does not
// accept, or over opts.Limits, naming the function and the offset. Custom sections other than "name" are dropped:
// code offsets in debug information would no longer hold.
func Instrument(wasm []byte, opts Options) ([]byte, error) {
	m, err := parse(wasm)
	if err != nil {
		return nil, err
	}
	m.limits = opts.Limits
	out := append([]byte(nil), wasm[:8]...)
	exports := [][]byte{export(Export, m.globals), export(YieldAtExport, m.globals+1)}
	for i, g := range m.mutable {
		exports = append(exports, export(GlobalExport(i), g))
	}
	yieldType := []byte{0x60, 0, 0} // func () -> ()
	yield := appendU32(append(appendName(appendName(nil, YieldModule), YieldName), 0x00), uint32(len(m.params)))
	globals := [][]byte{mutableI64(opts.StartFuel), mutableI64(max(0, opts.StartFuel-opts.YieldFuel))}
	pending := []addition{{secType, [][]byte{yieldType}}, {secImport, [][]byte{yield}}, {secGlobal, globals}, {secExport, exports}}
	flush := func(beforeRank int) {
		for len(pending) > 0 && sectionRank[pending[0].id] < beforeRank {
			out = appendSection(out, pending[0].id, appendEntries(appendU32(nil, 0), pending[0].entries))
			pending = pending[1:]
		}
	}
	for _, s := range m.sections {
		if s.id == secCustom {
			if customName(s.content) == "name" {
				if names := renumberNames(s.content, uint32(m.importedFuncs)); names != nil {
					out = appendSection(out, s.id, names)
				}
			}
			continue
		}
		flush(sectionRank[s.id])
		switch {
		case s.id == secCode:
			code, err := m.instrumentCode(s.content)
			if err != nil {
				return nil, err
			}
			out = appendSection(out, s.id, code)
		case s.id == secMemory:
			mem, err := capMemory(s.content, opts.MaxMemoryPages)
			if err != nil {
				return nil, err
			}
			out = appendSection(out, s.id, mem)
		case len(pending) > 0 && s.id == pending[0].id:
			out = appendSection(out, s.id, appendEntries(s.content, pending[0].entries))
			pending = pending[1:]
		default:
			out = appendSection(out, s.id, s.content)
		}
	}
	flush(len(sectionRank) + 1)
	return out, nil
}

// GlobalExport returns the name under which an instrumented module exports
// the i-th mutable global it defines, so that the host can reset it.
// Names with this prefix are reserved.
func GlobalExport(i int) string { return fmt.Sprintf("%s%d", globalExportPrefix, i) }

const globalExportPrefix = "synod_global_"

// addition is entries Instrument adds to a section.
type addition struct {
	id      byte
	entries [][]byte
}

func export(name string, global uint32) []byte {
	return appendU32(append(appendName(nil, name), 0x03), global)
}

// mutableI64 is a global entry: a mutable i64 that starts at v.
func mutableI64(v int64) []byte {
	return append(appendS64([]byte{valI64, 0x01, opI64Const}, v), opEnd)
}

func appendName(b []byte, name string) []byte {
	return append(appendU32(b, uint32(len(name))), name...)
}

func appendSection(out []byte, id byte, content []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(content)))
	return append(out, content...)
}

// appendEntries adds entries to a section that is a vector.
func appendEntries(vector []byte, entries [][]byte) []byte {
	r := &reader{buf: vector}
	n := r.u32()
	out := appendU32(nil, n+uint32(len(entries)))
	out = append(out, vector[r.pos:]...)
	for _, e := range entries {
		out = append(out, e...)
	}
	return out
}

func customName(content []byte) string {
	r := &reader{buf: content}
	return string(r.name())
}

func parse(wasm []byte) (*module, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:8], []byte("\x00asm\x01\x00\x00\x00")) {
		return nil, fmt.Errorf("not a WebAssembly 1.0 binary")
	}
	m := &module{}
	r := &reader{buf: wasm, pos: 8}
	for !r.done() {
		id := r.byte()
		content := r.name()
		if r.err != nil {
			break
		}
		content, err := m.read(id, content)
		if err != nil {
			return nil, err
		}
		m.sections = append(m.sections, section{id, content})
	}
	if r.err != nil {
		return nil, fmt.Errorf("read sections: %w", r.err)
	}
	return m, nil
}

// read takes what Instrument needs from one section, and returns the
// section with the function indices it holds renumbered (see
// [renumbering]).
func (m *module) read(id byte, content []byte) ([]byte, error) {
	r := &reader{buf: content}
	p := &renumbering{src: content, first: uint32(m.importedFuncs)}
	var err error
	switch id {
	case secType:
		err = m.readTypes(r)
	case secImport:
		err = m.readImports(r)
	case secFunc:
		for n := r.count(1); n > 0 && r.err == nil; n-- {
			m.funcTypes = append(m.funcTypes, r.u32())
		}
	case secGlobal:
		err = m.readGlobals(r, p)
	case secExport:
		err = m.readExports(r, p)
	case secStart:
		p.funcIndex(r)
	case secElem:
		err = m.readElems(r, p)
	}
	if err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, fmt.Errorf("read %s: %w", sectionName(id), r.err)
	}
	return p.result(), nil
}

func (m *module) readTypes(r *reader) error {
	for n := r.count(3); n > 0 && r.err == nil; n-- {
		if form := r.byte(); form != 0x60 {
			return fmt.Errorf("type section: type form %#x is not supported (only function types are)", form)
		}
		params := r.count(1)
		r.bytes(params)
		r.bytes(r.count(1))
		m.params = append(m.params, params)
	}
	return nil
}

func (m *module) readImports(r *reader) error {
	for n := r.count(4); n > 0 && r.err == nil; n-- {
		if module := string(r.name()); module == YieldModule {
			return fmt.Errorf("import section: the module name %q is reserved for the host", module)
		}
		r.name()
		switch kind := r.byte(); kind {
		case 0x00:
			m.importedFuncs++
			r.u32()
		case 0x01: // table: reference type, limits
			r.byte()
			readLimits(r)
		case 0x02:
			readLimits(r)
		case 0x03:
			m.globals++
			r.byte()
			r.byte()
		default:
			r.fail("unknown import kind %#x", kind)
		}
	}
	return nil
}

func (m *module) readGlobals(r *reader, p *renumbering) error {
	for n := r.count(3); n > 0 && r.err == nil; n-- {
		if err := checkValType(r.byte()); err != nil && r.err == nil {
			return fmt.Errorf("global section: %w", err)
		}
		if r.byte() == 1 {
			m.mutable = append(m.mutable, m.globals)
		}
		m.globals++
		if err := readConstExpr(r, p); err != nil {
			return fmt.Errorf("global section: %w", err)
		}
	}
	return nil
}

// readConstExpr reads a constant expression up to its end, renumbering
// the function a ref.func names.
func readConstExpr(r *reader, p *renumbering) error {
	for r.err == nil {
		switch op := r.byte(); op {
		case opEnd:
			return nil
		case 0x41: // i32.const
			r.sleb(5)
		case opI64Const:
			r.sleb(10)
		case 0x43: // f32.const
			r.bytes(4)
		case 0x44: // f64.const
			r.bytes(8)
		case opGlobalGet:
			r.u32()
		case opRefFunc:
			p.funcIndex(r)
		case 0xd0: // ref.null
			r.byte()
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended constants
		default:
			if r.err == nil {
				return fmt.Errorf("opcode %#x in a constant expression", op)
			}
		}
	}
	return nil
}

// capMemory rewrites a memory section so that every memory's maximum is
// at most max pages.
func capMemory(content []byte, limit uint32) ([]byte, error) {
	r := &reader{buf: content}
	n := r.count(2)
	out := appendU32(nil, uint32(n))
	for ; n > 0 && r.err == nil; n-- {
		flags := r.byte()
		if flags&^1 != 0 && r.err == nil {
			return nil, fmt.Errorf("memory section: memory flags %#x: shared and 64-bit memories are not supported", flags)
		}
		lo, hi := r.u32(), limit
		if flags&1 != 0 {
			hi = min(r.u32(), limit)
		}
		if lo > limit && r.err == nil {
			return nil, fmt.Errorf("memory section: the memory's minimum of %d pages is over the limit of %d", lo, limit)
		}
		out = appendU32(appendU32(append(out, 1), lo), hi)
	}
	if r.err != nil {
		return nil, fmt.Errorf("memory section: %w", r.err)
	}
	return out, nil
}

func readLimits(r *reader) {
	flags := r.byte()
	r.u32() // min
	if flags&1 != 0 {
		r.u32() // max
	}
}

func (m *module) readExports(r *reader, p *renumbering) error {
	for n := r.count(3); n > 0 && r.err == nil; n-- {
		name := string(r.name())
		kind := r.byte()
		var index uint32
		if kind == 0x00 {
			index = p.funcIndex(r)
		} else {
			index = r.u32()
		}
		if name == Export || name == YieldAtExport || strings.HasPrefix(name, globalExportPrefix) {
			return fmt.Errorf("export section: the name %q is reserved for the host", name)
		}
		if kind == 0x03 && index >= m.globals && r.err == nil {
			return fmt.Errorf("export section: export %q names global %d, which does not exist", name, index)
		}
	}
	return nil
}

// readElems refuses element segments that put an imported function in a
// table: call_indirect is charged as a call within the module, so a host
// function must only be reached by call, which charges [HostCallFuel].
func (m *module) readElems(r *reader, p *renumbering) error {
	for n := r.count(2); n > 0 && r.err == nil; n-- {
		flags := r.u32()
		if flags > 7 {
			return fmt.Errorf("element section: segment flags %d are not supported", flags)
		}
		if flags&3 == 2 {
			r.u32() // table
		}
		if flags&1 == 0 {
			if err := readConstExpr(r, p); err != nil {
				return fmt.Errorf("element section: %w", err)
			}
		}
		if flags&3 != 0 {
			r.byte() // element kind or reference type
		}
		for k := r.count(1); k > 0 && r.err == nil; k-- {
			f, isFunc := uint32(0), true
			if flags&4 == 0 {
				f = p.funcIndex(r)
			} else {
				f, isFunc = elemExpr(r, p)
			}
			if isFunc && f < uint32(m.importedFuncs) && r.err == nil {
				return fmt.Errorf("element section: a table holds imported function %d; host functions may only be called directly", f)
			}
		}
	}
	return nil
}

// elemExpr reads an element expression and returns the function it names,
// if it is a ref.func.
func elemExpr(r *reader, p *renumbering) (uint32, bool) {
	saved, pos := *p, r.pos
	if r.byte() == opRefFunc {
		f := p.funcIndex(r)
		if r.byte() == opEnd {
			return f, true
		}
	}
	*p, r.pos = saved, pos
	if err := readConstExpr(r, p); err != nil && r.err == nil {
		r.fail("%v", err)
	}
	return 0, false
}

var sectionNames = map[byte]string{
	secType: "type section", secImport: "import section", secFunc: "function section",
	secGlobal: "global section", secExport: "export section", secElem: "element section",
	secCode: "code section",
}

func sectionName(id byte) string { return sectionNames[id] }

// renumbering copies a section, adding one to each function index it is
// given at or past first: the index of the yield function Instrument
// imports after the module's own imports, which moves each function the
// module defines up one.
type renumbering struct {
	src   []byte
	first uint32
	out   []byte // the copy, up to src[at]
	at    int
}

// funcIndex reads a function index from r, which reads src, and returns
// it as it was.
func (p *renumbering) funcIndex(r *reader) uint32 {
	start := r.pos
	f := r.u32()
	if r.err == nil && f >= p.first {
		p.out = appendU32(append(p.out, p.src[p.at:start]...), renumbered(f, p.first))
		p.at = r.pos
	}
	return f
}

// result returns the renumbered copy of src.
func (p *renumbering) result() []byte {
	if p.at == 0 {
		return p.src
	}
	return append(p.out, p.src[p.at:]...)
}

// renumbered returns the index in the instrumented module of function f,
// given the index of the yield import, first: each function the module
// defines moves up one.
func renumbered(f, first uint32) uint32 {
	if f >= first {
		return f + 1
	}
	return f
}

// renumberNames returns the content of a name section with its function
// and local names renumbered, or nil if it is malformed (the name section
// is only for debugging: wazero ignores one it cannot read). It drops the
// subsections other than the module's name and those two, which wazero
// does not read.
func renumberNames(content []byte, first uint32) []byte {
	r := &reader{buf: content}
	r.name() // "name"
	out := append([]byte(nil), content[:r.pos]...)
	for !r.done() {
		id := r.byte()
		payload := r.name()
		sub := &reader{buf: payload}
		p := &renumbering{src: payload, first: first}
		switch id {
		case 0: // the module's name
		case 1, 2: // function names; local names, a name map per function
			for n := sub.count(2); n > 0 && sub.err == nil; n-- {
				p.funcIndex(sub)
				if id == 1 {
					sub.name()
					continue
				}
				for k := sub.count(2); k > 0 && sub.err == nil; k-- {
					sub.u32()
					sub.name()
				}
			}
		default:
			continue
		}
		if sub.err != nil {
			return nil
		}
		payload = p.result()
		out = append(appendU32(append(out, id), uint32(len(payload))), payload...)
	}
	if r.err != nil {
		return nil
	}
	return out
}
