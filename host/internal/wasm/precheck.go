package wasm

import (
	"bytes"

	"github.com/synodhq/synod/host/internal/wasm/meter"
)

// precheck walks the structure of a WebAssembly 1.0/2.0 binary and checks
// that every count and length it declares fits in the bytes that hold it,
// before wazero decodes the module.
//
// wazero's decoder allocates from declared numbers before it reads what
// they describe (make([]Import, count), make([]byte, length)), so a dozen
// bytes claiming 2^32 imports make it ask for hundreds of GiB and the Go
// runtime dies with an unrecoverable out-of-memory error, taking the host
// with it. precheck allocates nothing from declared numbers: it checks each
// vector's count against the bytes left in its section (times the smallest
// size an entry can have), each byte string's length likewise, each
// section's size against the file, and the limits of limits.go that need
// no decoding of instructions. What passes can make wazero allocate only
// in proportion to the module's size. It also keeps a function's local
// declarations within its body, where wazero's decoder would otherwise
// panic (makeslice with a negative length).
//
// The allocation sites are in wazero's internal/wasm/binary: vectors of
// types, parameters and results, imports, functions, tables, globals,
// exports, element segments and their function indices or expressions,
// code bodies, their locals and bytes, data segments and their bytes,
// names, custom sections, and the name section's maps. Re-read that
// package for make() from a decoded number when upgrading wazero.
//
// precheck is not a decoder: it reads only what it needs to find the next
// count or length, and leaves everything else (opcodes, indices, types,
// UTF-8, section order) to wazero. It must accept every module that wazero
// accepts, apart from the two limits; it follows wazero where wazero
// departs from the specification (see [reader.nameSection]).
func precheck(bin []byte) error {
	r := &reader{buf: bin, end: len(bin), region: "the module", section: -1}
	if !bytes.HasPrefix(bin, []byte("\x00asm")) {
		r.fail(0, "not a WebAssembly module: it does not start with \\0asm")
		return r.err
	}
	if !bytes.HasPrefix(bin[4:], []byte{1, 0, 0, 0}) {
		r.fail(4, "unsupported binary format version, want 1")
		return r.err
	}
	r.pos = 8
	for r.err == nil && r.pos < r.end {
		r.sectionAt = r.pos
		r.section = int(r.byte())
		outer := r.narrow("the section")
		r.sectionContent()
		if r.err == nil && r.pos != r.end {
			r.fail(r.pos, "its content ends %d bytes before it does", r.end-r.pos)
		}
		r.restore(outer)
	}
	if r.err != nil { // not a nil *formatError in a non-nil error
		return r.err
	}
	return nil
}

func (r *reader) sectionContent() {
	switch r.section {
	case 0:
		r.custom()
	case 1:
		// A function type takes three bytes; a recursion group, two.
		r.eachMax("types", 2, maxTypes, r.typeEntry)
	case 2:
		r.eachMax("imports", 4, maxEntries, r.importEntry)
	case 3:
		r.eachMax("functions", 1, maxFunctions, r.skipU32)
	case 4:
		r.eachMax("tables", 3, maxEntries, r.tableEntry)
	case 5:
		r.eachMax("memories", 2, maxEntries, func() { r.limits() })
	case 6:
		r.eachMax("globals", 3, maxEntries, func() {
			r.valType()
			r.byte() // mutability
			r.constExpr()
		})
	case 7:
		r.eachMax("exports", 3, maxEntries, func() {
			r.name("export name")
			r.byte() // kind
			r.u32()  // index
		})
	case 8, 12:
		// The start function's index, the data count: nothing is allocated
		// from either.
		r.pos = r.end
	case 9:
		r.eachMax("element segments", 3, maxEntries, r.elementSegment)
	case 10:
		if size := r.end - r.pos; size > maxCodeBytes {
			r.failLimit(r.sectionAt, "the code section is %s bytes, over the limit of %s", meter.Grouped(size), meter.Grouped(maxCodeBytes))
			return
		}
		// A body takes at least its size, its local declarations' count and
		// an end.
		r.eachMax("function bodies", 3, maxFunctions, r.functionBody)
	case 11:
		r.eachMax("data segments", 2, maxEntries, r.dataSegment)
	default:
		// 13, tags, is refused by wazero too: it needs the exception
		// handling feature, which Synod does not enable.
		r.fail(r.sectionAt, "unknown section id %d", r.section)
	}
}

func (r *reader) custom() {
	if string(r.name("custom section name")) != "name" || r.err != nil {
		r.pos = r.end // wazero keeps other custom sections as bytes
		return
	}
	r.nameSection()
}

// nameSection walks the "name" custom section the way wazero does, which
// is not confined to the section: wazero counts the subsections' declared
// sizes down from the section's, but parses function and local names
// without regard to them, so with sizes that do not add up it reads on into
// the sections that follow (and accepts the module if that ends exactly at
// the end of the file). Counts are bounded by the rest of the file.
func (r *reader) nameSection() {
	limit := uint64(r.end - r.pos)
	section := span{r.end, r.region}
	r.end, r.region = len(r.buf), "the module"
	for limit > 0 && r.err == nil && r.pos < r.end {
		id := r.byte()
		start := r.pos
		size := r.u32()
		limit -= 1 + uint64(r.pos-start) // wraps as wazero's does
		switch id {
		case 0:
			r.name("module name")
		case 1:
			r.nameMap("function names")
		case 2:
			r.each("functions with local names", 2, func() {
				r.u32() // function index
				r.nameMap("local names")
			})
		default:
			r.bytes(size, "name subsection")
		}
		limit -= uint64(size)
	}
	r.restore(section)
	if r.err == nil && r.pos > r.end {
		r.fail(r.end, "its subsections run %d bytes past its end", r.pos-r.end)
	}
}

func (r *reader) nameMap(what string) {
	r.each(what, 2, func() {
		r.u32() // index
		r.name(what)
	})
}

func (r *reader) typeEntry() {
	if r.peek() == 0x4e {
		r.pos++
		r.each("types in a recursion group", 3, r.funcType)
		return
	}
	r.funcType()
}

func (r *reader) funcType() {
	if at, form := r.pos, r.byte(); form != 0x60 {
		r.fail(at, "type form %#x, want 0x60 (function)", form)
	}
	r.eachMax("parameters", 1, maxParams, r.valType)
	r.eachMax("results", 1, maxResults, r.valType)
}

func (r *reader) importEntry() {
	r.name("import module name")
	r.name("import name")
	switch at, kind := r.pos, r.byte(); kind {
	case 0: // function
		r.u32()
		r.importedFuncs++
	case 1:
		r.table()
	case 2:
		r.limits()
	case 3: // global
		r.valType()
		r.byte()
	default:
		r.fail(at, "unknown import kind %#x", kind)
	}
}

func (r *reader) tableEntry() {
	at := r.pos
	r.tableElements += uint64(r.table())
	if r.tableElements > maxTableElements {
		r.failLimit(at, "its tables have %s elements in all, over the limit of %s", meter.Grouped(r.tableElements), meter.Grouped(maxTableElements))
	}
}

// table reads a table type, or a table with an initialiser, and returns
// its minimum size.
func (r *reader) table() (min uint32) {
	withInit := r.peek() == 0x40
	if withInit {
		r.skip(2) // 0x40 0x00
	}
	r.valType()
	min = r.limits()
	if withInit {
		r.constExpr()
	}
	return min
}

func (r *reader) limits() (min uint32) {
	at, flags := r.pos, r.byte()
	if flags > 3 {
		r.fail(at, "limits flags %#x, want 0 to 3", flags)
	}
	min = r.u32()
	if flags&1 != 0 {
		r.u32() // max
	}
	return min
}

// valType reads a value or reference type: one byte, or a reference
// prefix and a heap type.
func (r *reader) valType() {
	if b := r.byte(); b == 0x63 || b == 0x64 {
		r.heapType()
	}
}

func (r *reader) elementSegment() {
	funcIndices := func() { r.each("function indices", 1, r.skipU32) }
	exprs := func() { r.each("element expressions", 1, r.constExpr) }
	switch at, flags := r.pos, r.u32(); flags {
	case 0:
		r.constExpr()
		funcIndices()
	case 1, 3:
		r.byte() // element kind
		funcIndices()
	case 2:
		r.u32() // table
		r.constExpr()
		r.byte()
		funcIndices()
	case 4:
		r.constExpr()
		exprs()
	case 5, 7:
		r.valType()
		exprs()
	case 6:
		r.u32()
		r.constExpr()
		r.valType()
		exprs()
	default:
		r.fail(at, "element segment flags %d, want 0 to 7", flags)
	}
}

func (r *reader) functionBody() {
	at := r.pos
	index := r.importedFuncs + r.bodies
	r.bodies++
	outer := r.narrow("the function body")
	if size := r.end - r.pos; r.err == nil && size > maxBodyBytes {
		r.failLimit(at, "function %d's body is %s bytes, over the limit of %s", index, meter.Grouped(size), meter.Grouped(maxBodyBytes))
	}
	var locals uint64
	r.each("local declarations", 2, func() {
		locals += uint64(r.u32())
		r.valType()
	})
	if locals > maxLocals {
		r.failLimit(at, "function %d declares %s locals, over the limit of %s", index, meter.Grouped(locals), meter.Grouped(maxLocals))
	}
	// The instructions: wazero allocates from none of their immediates.
	r.pos = r.end
	r.restore(outer)
}

func (r *reader) dataSegment() {
	switch at, flags := r.pos, r.u32(); flags {
	case 0:
		r.constExpr()
	case 1: // passive
	case 2:
		r.u32() // memory
		r.constExpr()
	default:
		r.fail(at, "data segment flags %d, want 0 to 2", flags)
	}
	r.bytes(r.u32(), "data segment")
}

// constExpr skips a constant expression: the instructions wazero accepts
// in one, up to end.
func (r *reader) constExpr() {
	for r.err == nil {
		switch at, op := r.pos, r.byte(); op {
		case 0x0b: // end
			return
		case 0x41: // i32.const
			r.sleb(5)
		case 0x42: // i64.const
			r.sleb(10)
		case 0x43: // f32.const
			r.skip(4)
		case 0x44: // f64.const
			r.skip(8)
		case 0x23, 0xd2: // global.get, ref.func
			r.u32()
		case 0xd0: // ref.null: an abstract heap type byte or a type index
			if t := r.peek(); t == 0x70 || t == 0x6f || t == 0x69 {
				r.pos++
			} else {
				r.u32()
			}
		case 0xfd: // v128.const
			r.skip(17)
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended constants
		default:
			r.fail(at, "opcode %#x in a constant expression", op)
		}
	}
}
