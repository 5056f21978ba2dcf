package wasm

import "github.com/synodhq/synod/host/internal/wasm/meter"

// Limits on what a module may ask of the host beyond its size: the
// allocations wazero makes from numbers a module declares, and the work
// of wazero's compiler, which grows faster than the code for some
// constructs. Each is a property of the module's bytes alone, so that
// every host of a cluster decides alike, and each is checked before
// anything is compiled: by precheck (the counts and sizes of sections,
// types and bodies) or by the meter as it decodes each instruction
// ([codeLimits]). docs/design.md ("Compile time") has the measurements
// that chose them; docs/abi.md states them for guest authors.
const (
	// maxLocals bounds the locals one function declares. wazero
	// allocates per local when it decodes and compiles a function (the
	// declaration "2^32 - 1 locals of type i32" takes five bytes), and
	// compiling a loop that uses n locals takes time in n²: 10,000 took
	// 0.3 s, 50,000 (the WebAssembly JS API's limit) 9.6 s. Go's
	// functions have at most 21.
	maxLocals = 10_000
	// maxParams bounds the parameters of a type: a function's parameters
	// are locals to the compiler, so without it 60,000 parameters would
	// escape maxLocals. 1,000 is the JS API's limit.
	maxParams = 1_000
	// maxTableElements bounds the sum of the minimum sizes of the tables a
	// module defines: wazero allocates eight bytes per element at every
	// instantiation (and a module keeps up to [Config.PoolSize] instances),
	// so a few bytes declaring many tables of 2^27 elements would cost
	// GiBs. A Go guest's table holds one element per function whose
	// address is taken: a few thousand.
	maxTableElements = 1 << 20
	// maxTypes and maxEntries bound the entries of a module's sections:
	// types, and imports, tables, memories, globals, exports, element and
	// data segments. wazero's compiler visits every type for every
	// function it compiles, so a module of many tiny functions of as many
	// types takes time in the square of its size (30,000 took 7 s,
	// 100,000 a minute). A Go guest has 17 types.
	maxTypes   = 1 << 12
	maxEntries = 1 << 17
	// maxFunctions bounds the functions a module defines: each costs the
	// compiler about 50 µs even when tiny (65,536 took 3 to 5.4 s). A
	// Go guest has 2,000 to 9,000.
	maxFunctions = 1 << 16
	// maxResults bounds the results of a type, and [codeLimits] the
	// parameters of a block's type: a call or a block moves them all, so
	// two instructions of four bytes can make the compiler handle that
	// many values (100 results took 75 µs a byte of code to compile, one
	// 5 µs). Go and Rust functions return at most one value.
	maxResults = 4
	// maxBodyBytes bounds one function body, and maxCodeBytes the code
	// section. The compiler's time is linear in code within the other
	// limits, but not cheap: up to about 5 µs a byte for code that calls
	// at every instruction, 1.6 µs for Go's code. A Go guest's largest
	// function is 30 to 60 KB, its code 2 to 9 MB.
	maxBodyBytes = 1 << 20
	maxCodeBytes = 12 << 20
)

// codeLimits are the limits the meter checks as it decodes instructions
// (see [meter.Limits] for what a block is). wazero's compiler takes time
// in the square of a function's blocks (9,400 loops in sequence, each
// with a branch back, took 76 s), so a function may have at most 16,384
// blocks (3 to 6 s to compile), and the sum of the squares of a module's
// functions' blocks is bounded in proportion to its code: 256 a byte, at
// least 2^27 (1.5 to 2 s) and at most 2^30 (9 to 28 s; figures vary with
// the load of this shared machine). Compiling Go's code costs 1.6 µs a byte, and 256 squared
// blocks about 2 µs: a module may make the compiler do about as much
// again as real code of its size would. Go's modules have 47 to 63 a
// byte, a 15 MB one 5.9e8 in all, and their largest functions about
// 6,000 blocks. A br_table's targets and the nesting of blocks are
// bounded by half the blocks (Go's largest are 1,642 and 1,076), so that
// a function over them is refused with the reason.
//
// With many locals, time grows in the cube of the loops (836 locals read
// one in each of 836 loops took 2.1 s, 1,183 of each 5.8 s), so a
// function's locals times its blocks is bounded by 2^22 (836 of each is
// 4.2e6), and the sum over the module's functions by 4 a byte of code, at
// least 2^22 and at most 2^24. Go's functions have at most 90,705, its
// modules 0.92 a byte.
var codeLimits = meter.Limits{
	BranchTargets:  1 << 13,
	Nesting:        1 << 13,
	Blocks:         1 << 14,
	BlocksSquared:  meter.Budget{PerCodeByte: 256, Min: 1 << 27, Max: 1 << 30},
	LocalBlocks:    1 << 22,
	LocalBlocksSum: meter.Budget{PerCodeByte: 4, Min: 1 << 22, Max: 1 << 24},
	BlockParams:    maxResults,
}
