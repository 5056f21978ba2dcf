// Package meter instruments a WebAssembly module so that it counts the fuel
// it uses, the same way on every machine.
//
// [Instrument] adds one mutable i64 global, exported as [Export], that
// holds the fuel a call has left. The host sets it before a call and reads
// it after. Every function body is rewritten so that each straight-line
// run of instructions subtracts its cost before control can leave the run
// (before every loop, if, else, branch, call and return), keeping the fuel
// in a local while the function runs and in the global across calls.
//
// Every loop iteration ends in a branch and every call charges at least
// the call, so no code repeats without paying. Exhaustion is checked at
// function entry, before every branch that may go back to a loop, and
// before every bulk memory or table instruction; between two checks a
// function runs at most its own length, so a call can overdraw its fuel
// only by that. A check that finds the fuel negative stores it and traps
// with unreachable, and the host treats any call that ends with the global
// negative as out of fuel, trap or not. The count depends only on the
// module and the path its code takes, never on the machine or the
// compiler, so every replica counts the same.
//
// The fuel schedule is part of the guest ABI (docs/abi.md):
//
//   - every instruction costs 1, except that both arms of an if are
//     charged when the then arm runs, and a block's end is charged with
//     what follows it;
//   - memory.grow costs 1 more per [PageFuel] page requested;
//   - memory.fill, memory.copy and memory.init cost 1 more per
//     64 bytes ([BulkByteShift]).
//
// Host functions charge the same global for their own work.
//
// Instrument also prepares a module to be reset between calls, so that
// every call starts from the same state whatever ran before it: it exports
// every mutable global the module defines ([GlobalExport]), and refuses
// the instructions that change tables or drop segments, the state the
// host does not reset. It caps the module's memory ([Options]).
//
// Instrument accepts only the features whose execution is deterministic
// and which it decodes exactly: WebAssembly 2.0 without SIMD. It refuses
// SIMD (its NaN results may differ between machines), threads, tail calls,
// exception handling and GC types, and any code that names the fuel
// global, so that a module cannot refill its own fuel.
package meter

// Export is the name under which an instrumented module exports its fuel
// global. A module that already exports this name is refused.
const Export = "synod_fuel"

// The dynamic parts of the fuel schedule.
const (
	// PageFuel is the extra cost of each 64 KiB page memory.grow asks
	// for, whether or not the memory grows: about what zeroing it costs.
	PageFuel = 1 << pageShift
	// BulkByteShift is log2 of the bytes memory.fill, memory.copy and
	// memory.init move per unit of fuel.
	BulkByteShift = 6

	pageShift = 10
)
