package meter

import (
	"fmt"

	"github.com/synodhq/synod/host/internal/wasm/leb"
)

// reader decodes a byte string. Its first error sticks: after it, reads
// return zeros and consume nothing.
type reader struct {
	buf []byte
	pos int
	err error
}

func (r *reader) done() bool { return r.err != nil || r.pos >= len(r.buf) }

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.pos >= len(r.buf) {
		r.fail("unexpected end at offset %d", r.pos)
		return 0
	}
	r.pos++
	return r.buf[r.pos-1]
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf)-r.pos {
		r.fail("unexpected end at offset %d: %d bytes needed, %d remain", r.pos, n, len(r.buf)-r.pos)
		return nil
	}
	r.pos += n
	return r.buf[r.pos-n : r.pos]
}

// u32 reads an unsigned LEB128 of at most 32 bits, as wazero does.
func (r *reader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	v, n := leb.U32(r.buf[r.pos:])
	switch {
	case n == 0:
		r.fail("unexpected end at offset %d", len(r.buf))
	case n < 0:
		r.fail("integer at offset %d overflows 32 bits", r.pos)
	default:
		r.pos += n
	}
	return v
}

// sleb reads a signed LEB128 of at most maxBytes bytes.
func (r *reader) sleb(maxBytes int) int64 {
	at := r.pos
	var v int64
	for i := range maxBytes {
		b := r.byte()
		if r.err != nil {
			return 0
		}
		v |= int64(b&0x7f) << (7 * i)
		if b < 0x80 {
			if shift := 7 * (i + 1); shift < 64 && b&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
	r.fail("integer at offset %d is longer than %d bytes", at, maxBytes)
	return 0
}

// name reads a length-prefixed byte string.
func (r *reader) name() []byte {
	return r.bytes(int(r.u32()))
}

// count reads a vector's length and checks that that many entries of at
// least minBytes each fit in what remains.
func (r *reader) count(minBytes int) int {
	at := r.pos
	n := r.u32()
	if uint64(n)*uint64(minBytes) > uint64(len(r.buf)-r.pos) {
		r.fail("vector at offset %d claims %d entries, more than fit", at, n)
		return 0
	}
	return int(n)
}

func appendU32(b []byte, v uint32) []byte { return leb.AppendU32(b, v) }

func appendS64(b []byte, v int64) []byte { return leb.AppendS64(b, v) }
