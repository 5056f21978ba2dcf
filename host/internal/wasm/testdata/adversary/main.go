// Command adversary is a test guest that misbehaves on purpose, one way per
// update op, for the adversarial corpus (corpus_test.go) and the neighbour
// test in e2e:
//
//	loop        loops forever
//	calls       loops forever, doing nothing but call a function
//	recurse     computes Fibonacci numbers by exponential recursion
//	deep        recurses without end
//	membomb     allocates memory, keeping all of it, until it runs out
//	bigresult   returns 100 MiB
//	nan         returns the bits of NaNs made six ways (8 bytes each)
//	put KEY     writes KEY (a well-behaved call, for comparison)
//
// Query ops: "write" writes a key, which a query may not; "loop" loops
// forever.
package main

import (
	"encoding/binary"
	"math"

	"github.com/synodhq/synod/sdk/guest"
)

func init() {
	guest.Register(guest.Handlers{Update: update, Query: query})
}

func main() {}

var sink int

func update(in []byte) ([]byte, error) {
	op, arg, _ := cut(in)
	switch op {
	case "loop":
		for {
			sink++
		}
	case "calls":
		for {
			nothing()
		}
	case "recurse":
		return binary.BigEndian.AppendUint64(nil, uint64(fib(90))), nil
	case "deep":
		return binary.BigEndian.AppendUint64(nil, uint64(deep(0))), nil
	case "membomb":
		var kept [][]byte
		for {
			kept = append(kept, make([]byte, 1<<20))
			sink += len(kept)
		}
	case "bigresult":
		return make([]byte, 100<<20), nil
	case "nan":
		return nans(), nil
	case "put":
		guest.Set(arg, []byte("v"))
		return nil, nil
	}
	return nil, guest.Errorf(400, "unknown op %q", op)
}

func query(in []byte) ([]byte, error) {
	switch op, _, _ := cut(in); op {
	case "write":
		guest.Set([]byte("k"), []byte("v"))
		return nil, nil
	case "loop":
		for {
			sink++
		}
	}
	return nil, guest.Errorf(400, "unknown query %q", in)
}

func cut(in []byte) (op string, arg []byte, ok bool) {
	for i, c := range in {
		if c == ' ' {
			return string(in[:i]), in[i+1:], true
		}
	}
	return string(in), nil, false
}

//go:noinline
func nothing() { sink++ }

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:noinline
func deep(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	return deep(n+1) + int(pad[0])
}

// zero is a variable so that the compiler cannot fold the divisions.
var zero float64

func nans() []byte {
	inf := math.Inf(1)
	var out []byte
	for _, f := range []float64{
		zero / zero,
		inf - inf,
		inf * zero,
		math.Sqrt(-1 + zero),
		math.NaN() + 1,
		float64(float32(zero / zero)),
	} {
		out = binary.BigEndian.AppendUint64(out, math.Float64bits(f))
	}
	return out
}
