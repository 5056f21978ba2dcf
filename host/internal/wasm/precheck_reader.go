package wasm

import (
	"fmt"

	"github.com/synodhq/synod/host/internal/wasm/leb"
	"github.com/synodhq/synod/host/internal/wasm/meter"
)

// reader reads a module's bytes for [precheck]. Its first error sticks:
// after it, reads return zeros and consume nothing, so that a walk can read
// on and check r.err where it matters.
type reader struct {
	buf []byte // the whole module, so that offsets are the file's
	pos int
	// end is where the current section, or body within it, ends, and
	// region names that for errors.
	end    int
	region string
	// section and sectionAt are the id and offset of the current section;
	// section is -1 in the header.
	section, sectionAt int
	// tableElements sums the minimum sizes of the tables read so far.
	tableElements uint64
	// importedFuncs counts the functions imported, and bodies the
	// function bodies read so far, to name a function by its index.
	importedFuncs, bodies int
	err                   *formatError
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.pos >= r.end {
		r.fail(r.pos, "unexpected end of %s", r.region)
		return 0
	}
	r.pos++
	return r.buf[r.pos-1]
}

// peek returns the next byte without reading it, or 0 at the end.
func (r *reader) peek() byte {
	if r.err != nil || r.pos >= r.end {
		return 0
	}
	return r.buf[r.pos]
}

// u32 reads an unsigned LEB128 of at most 32 bits, as wazero does.
func (r *reader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	v, n := leb.U32(r.buf[r.pos:r.end])
	switch {
	case n == 0:
		r.fail(r.end, "unexpected end of %s", r.region)
	case n < 0:
		r.fail(r.pos, "integer overflows 32 bits")
	default:
		r.pos += n
	}
	return v
}

func (r *reader) skipU32() { r.u32() }

// sleb skips a signed LEB128 of at most max bytes.
func (r *reader) sleb(max int) {
	at := r.pos
	for range max {
		if r.byte() < 0x80 || r.err != nil {
			return
		}
	}
	r.fail(at, "integer longer than %d bytes", max)
}

// heapType skips a reference type's heap type, a signed 33-bit LEB128.
// wazero reads at most five bytes of one and does not require the fifth to
// end it, so neither does heapType.
func (r *reader) heapType() {
	for range 5 {
		if r.byte() < 0x80 || r.err != nil {
			return
		}
	}
}

func (r *reader) skip(n int) {
	if r.err != nil {
		return
	}
	if n > r.end-r.pos {
		r.fail(r.pos, "unexpected end of %s: %d bytes needed, %d remain", r.region, n, r.end-r.pos)
		return
	}
	r.pos += n
}

// bytes reads a byte string of length n, checking first that n bytes
// remain.
func (r *reader) bytes(n uint32, what string) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(r.end-r.pos) {
		r.fail(r.pos, "%s of %d bytes, but %d remain", what, n, r.end-r.pos)
		return nil
	}
	r.pos += int(n)
	return r.buf[r.pos-int(n) : r.pos]
}

// name reads a length-prefixed name.
func (r *reader) name(what string) []byte {
	return r.bytes(r.u32(), what)
}

// narrow reads the size of the region (a section or a function body)
// that follows, checks that the region fits in what remains, and limits r
// to it until restore.
func (r *reader) narrow(region string) (outer span) {
	at := r.pos
	n := r.u32()
	outer = span{r.end, r.region}
	if r.err == nil && uint64(n) > uint64(r.end-r.pos) {
		r.fail(at, "%s is %d bytes, but %d remain", region, n, r.end-r.pos)
	}
	if r.err == nil {
		r.end, r.region = r.pos+int(n), region
	}
	return outer
}

// span is where a region ends, and its name.
type span struct {
	end    int
	region string
}

func (r *reader) restore(s span) { r.end, r.region = s.end, s.region }

// each reads a vector's count and then its entries, calling entry once for
// each, after checking that count entries of at least minBytes each fit in
// what remains.
func (r *reader) each(what string, minBytes int, entry func()) {
	r.eachMax(what, minBytes, 0, entry)
}

// eachMax is each for a vector of at most max entries (0: no limit).
func (r *reader) eachMax(what string, minBytes int, max uint32, entry func()) {
	at := r.pos
	n := r.u32()
	if r.err != nil {
		return
	}
	if need := uint64(n) * uint64(minBytes); need > uint64(r.end-r.pos) {
		r.fail(at, "%d %s need at least %d bytes, but %d remain", n, what, need, r.end-r.pos)
		return
	}
	if max != 0 && n > max {
		r.failLimit(at, "it has %s %s, over the limit of %s", meter.Grouped(n), what, meter.Grouped(max))
		return
	}
	for ; n > 0 && r.err == nil; n-- {
		entry()
	}
}

func (r *reader) fail(at int, format string, args ...any) {
	if r.err == nil {
		r.err = &formatError{section: r.section, sectionAt: r.sectionAt, at: at, msg: fmt.Sprintf(format, args...)}
	}
}

// failLimit fails for a module over one of precheck's limits, unless r
// failed already.
func (r *reader) failLimit(at int, format string, args ...any) {
	if r.err == nil {
		r.fail(at, format, args...)
		r.err.overLimit = true
	}
}

// formatError is a problem [precheck] found in a module's structure.
type formatError struct {
	section, sectionAt int // section is -1 for the header
	at                 int // the offset of the problem
	msg                string
	// overLimit is set when the module is well-formed but over one of
	// precheck's implementation limits.
	overLimit bool
}

func (e *formatError) Error() string {
	if e.section < 0 {
		return fmt.Sprintf("header: %s", e.msg)
	}
	return fmt.Sprintf("%s at offset %d: %s (offset %d)", sectionName(e.section), e.sectionAt, e.msg, e.at)
}

var sectionNames = []string{
	"custom section", "type section", "import section", "function section",
	"table section", "memory section", "global section", "export section",
	"start section", "element section", "code section", "data section",
	"data count section",
}

func sectionName(id int) string {
	if id < len(sectionNames) {
		return sectionNames[id]
	}
	return fmt.Sprintf("section %d", id)
}
