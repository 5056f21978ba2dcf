// Package leb decodes and encodes the LEB128 integers of the WebAssembly
// binary format, reading them exactly as wazero does, so that Synod's own
// walks of a module agree with wazero on where each integer ends.
package leb

// U32 decodes an unsigned LEB128 of at most 32 bits at the start of b: at
// most five bytes, the unused bits of the fifth zero. It returns the value
// and its length in bytes; n is 0 if b ends first, and -1 if the integer
// overflows 32 bits.
func U32(b []byte) (v uint32, n int) {
	for i := range 5 {
		if i >= len(b) {
			return 0, 0
		}
		c := b[i]
		v |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			if i == 4 && c > 0x0f {
				return 0, -1
			}
			return v, i + 1
		}
	}
	return 0, -1
}

// AppendU32 appends the unsigned LEB128 encoding of v to b.
func AppendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// AppendS64 appends the signed LEB128 encoding of v to b.
func AppendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
