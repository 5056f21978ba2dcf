// Command compute is a compute-heavy guest for package meter's tests and
// benchmarks: plain Go with no host imports beyond WASI, exporting one
// function that hashes and sorts.
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
)

func main() {}

// work hashes a 4 KiB buffer and sorts 1,000 numbers derived from the
// hash, rounds times, and returns a digest of the result, so that the
// compiler cannot drop any of it.
//
//go:wasmexport work
func work(rounds int32) int64 {
	buf := make([]byte, 4<<10)
	nums := make([]uint32, 1000)
	var acc uint64
	for r := range rounds {
		buf[0] = byte(r)
		sum := sha256.Sum256(buf)
		seed := binary.LittleEndian.Uint32(sum[:])
		for i := range nums {
			seed = seed*1664525 + 1013904223
			nums[i] = seed
		}
		slices.Sort(nums)
		acc += uint64(nums[len(nums)/2])
		copy(buf[1:], sum[:])
	}
	return int64(acc)
}
