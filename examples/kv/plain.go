package main

import (
	"encoding/binary"
	"math/bits"
)

// plainPrefix returns the length of the longest prefix of s that is plain:
// printable ASCII other than '"', '\\', '<', '>' and '&'. Plain bytes are
// what encoding/json writes into a string as they are, and most of what a
// command's strings hold, so both the decoder and the encoder skip over
// them with plainPrefix and look closely only at the rest.
//
// It looks at eight bytes at a time because every iteration of a loop is
// costly in a guest (see README.md, "Why not encoding/json").
func plainPrefix(s []byte) int {
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		if m := notPlain(binary.LittleEndian.Uint64(s[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	// The last bytes, padded with zeros, which are not plain.
	var tail [8]byte
	copy(tail[:], s[i:])
	return i + bits.TrailingZeros64(notPlain(binary.LittleEndian.Uint64(tail[:])))/8
}

// notPlain returns a word with the high bit set of each byte of x that is
// not plain, taking the bytes in little-endian order, and perhaps of some
// bytes after the first such one (a borrow propagates up): the lowest set
// bit marks the first byte that is not plain. It is zero if all are plain.
//
// The bit tricks are from
// https://graphics.stanford.edu/~seander/bithacks.html#ZeroInWord.
func notPlain(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// is(c) has the high bit set of the bytes of x that are c.
	is := func(c byte) uint64 {
		y := x ^ ones*uint64(c)
		return (y - ones) &^ y
	}
	control := (x - ones*' ') &^ x // bytes below ' '
	return (x | control | is('"') | is('\\') | is('<') | is('>') | is('&')) & highs
}
