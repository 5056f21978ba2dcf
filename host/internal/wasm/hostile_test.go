package wasm_test

import (
	"bytes"
	"slices"
)

// Builders of modules that make a compiler work hard for their size: the
// constructs that the compile-time limits bound (see limits.go). Each
// takes a size and returns a module that wazero accepts at any size, so
// that [BenchmarkCompileHostile] can time it beyond the limits too.

// oneFunc returns a module whose functions are a (param i32) function of
// the given body (instructions without the final end) and local
// declarations, after a () -> () function of an empty body, index 0, for
// bodies to call. Extra types, if any, follow type 1.
func oneFunc(locals, body []byte, types ...[]byte) []byte {
	all := append([][]byte{funcType(nil, nil), funcType([]byte{tI32}, nil)}, types...)
	fn := cat(locals, body, []byte{opEnd})
	return mod(
		sec(1, vec(all)),
		sec(3, vec([][]byte{{0x00}, {0x01}})),
		sec(10, vec([][]byte{name("\x00\x0b"), name(string(fn))})),
	)
}

// noLocals is a function's empty local declarations.
var noLocals = []byte{0x00}

// brTableModule has one br_table of n targets, all to the block around it.
func brTableModule(n int) []byte {
	return oneFunc(noLocals, cat(
		[]byte{0x02, blockEmpty, opLocalGet, 0x00, 0x0e}, uleb(uint64(n)), make([]byte, n+1),
		[]byte{opEnd},
	))
}

// brTableArgsModule has one br_table of n targets to a block of r i32
// results, so that every target passes r values.
func brTableArgsModule(n, r int) []byte {
	results := bytes.Repeat([]byte{tI32}, r)
	return oneFunc(noLocals, cat(
		[]byte{0x02, 0x02}, // block (type 2)
		bytes.Repeat(i32(1), r),
		[]byte{opLocalGet, 0x00, 0x0e}, uleb(uint64(n)), make([]byte, n+1),
		[]byte{opEnd},
		bytes.Repeat([]byte{opDrop}, r),
	), funcType(nil, results))
}

// nestedModule has n nested blocks (op 0x02), loops (0x03) or ifs (0x04)
// with a local.get in the innermost.
func nestedModule(op byte, n int) []byte {
	open := []byte{op, blockEmpty}
	if op == 0x04 {
		open = []byte{opLocalGet, 0x00, op, blockEmpty}
	}
	return oneFunc(noLocals, cat(
		bytes.Repeat(open, n),
		[]byte{opLocalGet, 0x00, opDrop},
		bytes.Repeat([]byte{opEnd}, n),
	))
}

// nestedBranchesModule has n nested blocks with a br_if to every one of
// them in the innermost, so that the block at each depth has a branch to
// it and depth reads of the local stay live across all of them.
func nestedBranchesModule(n int) []byte {
	var inner []byte
	for d := range n {
		inner = cat(inner, []byte{opLocalGet, 0x00, 0x0d}, uleb(uint64(d)))
	}
	return oneFunc(noLocals, cat(
		bytes.Repeat([]byte{0x02, blockEmpty}, n),
		inner,
		bytes.Repeat([]byte{opLocalGet, 0x00, opDrop, opEnd}, n),
	))
}

// straightModule has a body of about n bytes of straight-line arithmetic.
func straightModule(n int) []byte {
	step := []byte{opLocalGet, 0x00, opLocalGet, 0x00, 0x6a, 0x21, 0x00} // local.set 0 (local.get 0 + local.get 0)
	return oneFunc(noLocals, bytes.Repeat(step, n/len(step)))
}

// blocksModule has about n bytes of blocks in sequence, each a branch
// that splits the control flow.
func blocksModule(n int) []byte {
	step := []byte{0x02, blockEmpty, opLocalGet, 0x00, 0x0d, 0x00, opEnd}
	return oneFunc(noLocals, bytes.Repeat(step, n/len(step)))
}

// liveModule pushes n/8 values, calls a function n/4 times with all of
// them live, and drops them: about n bytes in which every call has n/8
// values to keep.
func liveModule(n int) []byte {
	k := n / 8
	return oneFunc(noLocals, cat(
		bytes.Repeat([]byte{opLocalGet, 0x00}, k),
		bytes.Repeat(call(0), 2*k),
		bytes.Repeat([]byte{opDrop}, k),
	))
}

// localsModule declares n i32 locals and has a loop that reads and writes
// each of them.
func localsModule(n int) []byte {
	var body []byte
	for i := range n {
		body = cat(body, local(i+1), []byte{0x21}, uleb(uint64(i+1)))
	}
	return oneFunc(cat(uleb(1), uleb(uint64(n)), []byte{tI32}), cat(
		[]byte{opLoop, blockEmpty}, body, []byte{opLocalGet, 0x00, 0x0d, 0x00, opEnd},
	))
}

// localsLoopsModule declares n i32 locals and has m loops in sequence,
// each reading one local: the compiler may carry every local through
// every loop header.
func localsLoopsModule(n, m int) []byte { return oneFunc(i32Locals(n), localLoops(n, m)) }

// arityModule has types of p params and p results, and about n bytes of
// calls that pass p values from one function to the other.
func arityModule(n, p int) []byte {
	ps := bytes.Repeat([]byte{tI32}, p)
	pair := cat(call(0), call(1)) // returns p values, takes them
	return mod(
		sec(1, vec([][]byte{funcType(nil, ps), funcType(ps, nil), funcType(nil, nil)})),
		sec(3, vec([][]byte{{0x00}, {0x01}, {0x02}})),
		sec(10, vec([][]byte{
			name(string(cat(noLocals, bytes.Repeat(i32(0), p), []byte{opEnd}))),
			name(string(cat(noLocals, []byte{opEnd}))),
			name(string(cat(noLocals, bytes.Repeat(pair, n/len(pair)), []byte{opEnd}))),
		})),
	)
}

// functionsModule has n functions of one type, each calling the next.
func functionsModule(n int) []byte {
	bodies := make([][]byte, n)
	for i := range n {
		bodies[i] = name(string(cat(noLocals, call((i+1)%n), []byte{opEnd})))
	}
	return mod(
		sec(1, vec([][]byte{funcType(nil, nil)})),
		sec(3, vec(slices.Repeat([][]byte{{0x00}}, n))),
		sec(10, vec(bodies)),
	)
}

// loopsModule has about n bytes of loops in sequence, each branching back
// to itself, so that the meter checks the fuel in each.
func loopsModule(n int) []byte { return oneFunc(noLocals, loops(n/7)) }

// callsModule has about n bytes of calls.
func callsModule(n int) []byte {
	return oneFunc(noLocals, bytes.Repeat(call(0), n/2))
}

// callFuncsModule has k functions of about n bytes of calls each, to an
// empty function.
func callFuncsModule(k, n int) []byte {
	bodies := [][]byte{name(string(cat(noLocals, []byte{opEnd})))}
	for range k {
		bodies = append(bodies, name(string(cat(noLocals, bytes.Repeat(call(0), n/2), []byte{opEnd}))))
	}
	return mod(
		sec(1, vec([][]byte{funcType(nil, nil)})),
		sec(3, vec(slices.Repeat([][]byte{{0x00}}, k+1))),
		sec(10, vec(bodies)),
	)
}

// sameFuncs returns a module of k (param i32) functions of the given local
// declarations and body (without the final end).
func sameFuncs(k int, locals, body []byte) []byte {
	return funcsModule(slices.Repeat([][]byte{cat(locals, body)}, k)...)
}

// funcsModule returns a module of (param i32) functions of the given
// bodies: local declarations and instructions, without the final end.
func funcsModule(bodies ...[]byte) []byte {
	code := make([][]byte, len(bodies))
	for i, b := range bodies {
		code[i] = name(string(cat(b, []byte{opEnd})))
	}
	return mod(
		sec(1, vec([][]byte{funcType([]byte{tI32}, nil)})),
		sec(3, vec(slices.Repeat([][]byte{{0x00}}, len(bodies)))),
		sec(10, vec(code)),
	)
}

// nops returns a body of n bytes: no locals, and nops.
func nops(n int) []byte { return cat(noLocals, bytes.Repeat([]byte{0x01}, n-1)) }

// padded returns the bodies followed by k bodies of nearly 1 MiB of nops,
// for code that a budget grows with.
func padded(k int, bodies ...[]byte) []byte {
	return funcsModule(append(bodies, slices.Repeat([][]byte{nops(1<<20 - 64)}, k)...)...)
}

// loops returns n loops in sequence, each branching back to itself.
func loops(n int) []byte {
	return bytes.Repeat([]byte{opLoop, blockEmpty, opLocalGet, 0x00, 0x0d, 0x00, opEnd}, n)
}

// loopFuncsModule has k functions of n loops in sequence each.
func loopFuncsModule(k, n int) []byte { return sameFuncs(k, noLocals, loops(n)) }

// localLoops returns n loops in sequence, the i-th reading local 1+i%locals.
func localLoops(locals, n int) []byte {
	var body []byte
	for i := range n {
		body = cat(body, []byte{opLoop, blockEmpty}, local(1+i%locals), []byte{0x0d, 0x00, opEnd})
	}
	return body
}

// i32Locals declares n i32 locals.
func i32Locals(n int) []byte { return cat(uleb(1), uleb(uint64(n)), []byte{tI32}) }
