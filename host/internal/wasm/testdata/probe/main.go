// Command probe is a test guest for package wasm: each op exercises one
// property of the host that the example modules cannot reach, such as a
// write from a query, the deterministic clock and random stream, a call that
// never ends, or instance reuse. The input is the op name, optionally
// followed by a space and an argument.
//
// Update ops:
//
//	env          output: time.Now().UnixNano() (8 bytes, big endian), 16 bytes
//	             of crypto/rand, then 8 bytes of math/rand/v2 (big endian)
//	count KEY    increments a global counter, reads KEY, outputs the counter
//	             (decimal): the counter shows whether the instance was reused
//	spin         loops forever
//	compute      hashes and sorts forever: compute-heavy Go code
//	exit         calls os.Exit(3), that is proc_exit
//	bigkey       writes a key of MaxKeySize+1 bytes
//	bigvalue     writes a value of MaxValueSize+1 bytes
//	put KEY      writes KEY = "v"
//	flood N      writes N values of 1 MiB, which do not compress, under fresh
//	             keys (N 0 or absent: until the call ends), and outputs how
//	             many it wrote
//	grow         allocates and touches 64 MiB, which grows the memory, and
//	             increments the counter
//	scribble     changes a byte in each 4 KiB of a global array of 512 KiB,
//	             which the memory holds from the start: more pages than a
//	             reset leaves unprotected (see package wasm's dirtyTracker)
//	stderr MSG   writes MSG to stderr and succeeds
//	panic MSG    panics with MSG
//	raw ARGS     calls a synod host function with raw integer arguments:
//	             ARGS is one byte naming it (0 kv_get, 1 kv_set,
//	             2 kv_delete, 3 kv_scan, 4 set_output, 5 set_error) then
//	             up to seven little-endian uint32 arguments (missing ones
//	             are 0); outputs nothing of its own
//
// Query ops:
//
//	set          writes a key (queries are read-only: a trap)
//	delete       deletes a key (a trap too)
//	env          as for update
//	count        increments the global counter and outputs it (decimal):
//	             queries run on warm instances, which are not reset
//	spin         loops forever
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	mrand "math/rand/v2"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/synodhq/synod/sdk/guest"
)

var counter int

// scratch is what scribble changes.
var scratch [512 << 10]byte

func init() {
	guest.Register(guest.Handlers{Update: update, Query: query})
}

func main() {}

func split(in []byte) (op string, arg []byte) {
	name, rest, _ := bytes.Cut(in, []byte(" "))
	return string(name), rest
}

func update(in []byte) ([]byte, error) {
	op, arg := split(in)
	switch op {
	case "env":
		return env(), nil
	case "count":
		counter++
		guest.Get(arg)
		return strconv.AppendInt(nil, int64(counter), 10), nil
	case "spin":
		for {
			counter++
		}
	case "compute":
		compute()
	case "exit":
		os.Exit(3)
	case "bigkey":
		guest.Set(bytes.Repeat([]byte("k"), guest.MaxKeySize+1), []byte("v"))
	case "bigvalue":
		guest.Set([]byte("k"), make([]byte, guest.MaxValueSize+1))
	case "put":
		guest.Set(arg, []byte("v"))
		return nil, nil
	case "flood":
		return flood(arg), nil
	case "grow":
		b := make([]byte, 64<<20)
		b[len(b)-1] = 1
		counter++
		return []byte{b[len(b)-1]}, nil
	case "scribble":
		for i := 0; i < len(scratch); i += 4 << 10 {
			scratch[i]++
		}
		return nil, nil
	case "stderr":
		_, _ = os.Stderr.Write(append(arg, '\n'))
		return nil, nil
	case "panic":
		panic(string(arg))
	case "raw":
		raw(arg)
		return nil, nil
	}
	return nil, guest.Errorf(400, "unknown update op %q", op)
}

func query(in []byte) ([]byte, error) {
	op, _ := split(in)
	switch op {
	case "set":
		guest.Set([]byte("k"), []byte("v"))
		return nil, nil
	case "delete":
		guest.Delete([]byte("k"))
		return nil, nil
	case "env":
		return env(), nil
	case "count":
		counter++
		return strconv.AppendInt(nil, int64(counter), 10), nil
	case "spin":
		for {
			counter++
		}
	}
	return nil, guest.Errorf(400, "unknown query op %q", op)
}

// flood is the op of that name: n values of 1 MiB, or without end.
func flood(arg []byte) []byte {
	n, _ := strconv.Atoi(string(arg))
	// crypto/rand reads the call's random stream: math/rand's state is
	// reset with the instance, and would repeat the keys of the last call.
	var id [8]byte
	_, _ = rand.Read(id[:])
	x := binary.BigEndian.Uint64(id[:]) | 1
	prefix := strconv.AppendUint([]byte("flood-"), x, 16)
	value := make([]byte, 1<<20)
	i := 0
	for ; n == 0 || i < n; i++ {
		for j := 0; j < len(value); j += 8 { // xorshift: cheap, and it does not compress
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			binary.LittleEndian.PutUint64(value[j:], x)
		}
		guest.Set(strconv.AppendInt(append(prefix, '-'), int64(i), 10), value)
	}
	return strconv.AppendInt(nil, int64(i), 10)
}

// compute hashes 4 KiB and sorts 1,000 numbers, over and over.
func compute() {
	buf := make([]byte, 4096)
	nums := make([]uint64, 1000)
	for {
		sum := sha256.Sum256(buf)
		copy(buf, sum[:])
		for i := range nums {
			nums[i] = binary.LittleEndian.Uint64(sum[i%4*8:]) * uint64(i+1)
		}
		slices.Sort(nums)
		counter++
	}
}

func env() []byte {
	out := binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano()))
	var b [16]byte
	_, _ = rand.Read(b[:])
	out = append(out, b[:]...)
	return binary.BigEndian.AppendUint64(out, mrand.Uint64())
}

// The host functions, declared with raw integers, so that "raw" can pass
// any pointer and length.

//go:wasmimport synod kv_get
func rawGet(keyPtr, keyLen, bufPtr, bufCap uint32) int32

//go:wasmimport synod kv_set
func rawSet(keyPtr, keyLen, valPtr, valLen uint32)

//go:wasmimport synod kv_delete
func rawDelete(keyPtr, keyLen uint32)

//go:wasmimport synod kv_scan
func rawScan(startPtr, startLen, endPtr, endLen uint32, limit int32, bufPtr, bufCap uint32) int32

//go:wasmimport synod set_output
func rawSetOutput(ptr, n uint32)

//go:wasmimport synod set_error
func rawSetError(code, msgPtr, msgLen uint32)

func raw(arg []byte) {
	if len(arg) == 0 {
		return
	}
	var a [7]uint32
	for i := range a {
		if off := 1 + 4*i; off+4 <= len(arg) {
			a[i] = binary.LittleEndian.Uint32(arg[off:])
		}
	}
	switch arg[0] % 6 {
	case 0:
		rawGet(a[0], a[1], a[2], a[3])
	case 1:
		rawSet(a[0], a[1], a[2], a[3])
	case 2:
		rawDelete(a[0], a[1])
	case 3:
		rawScan(a[0], a[1], a[2], a[3], int32(a[4]), a[5], a[6])
	case 4:
		rawSetOutput(a[0], a[1])
	case 5:
		rawSetError(a[0], a[1], a[2])
	}
}
