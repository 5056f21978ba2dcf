// Package meter instruments a WebAssembly module so that it counts the fuel
// it uses, the same way on every machine.
//
// [Instrument] adds one mutable i64 global, exported as [Export], that
// holds the fuel a call has left, and one, exported as [YieldAtExport],
// below which the next check calls the host (see there). The host sets
// both before a call and reads the fuel after. Every function body is
// rewritten so that each straight-line run of instructions subtracts its
// cost before control can leave the run (before every loop, if, else,
// branch, call and return), keeping the fuel in a local while the
// function runs and in the global across calls.
//
// Every loop iteration ends in a branch and every call charges at least
// the call, so no code repeats without paying. Exhaustion is checked at
// function entry, before every branch that may go back to a loop, and
// before every bulk memory or table instruction; between two checks a
// function runs at most its own length, so a call can overdraw its fuel
// only by that. A check that finds the fuel below the yield-at global
// stores it and calls the function the module imports as [YieldModule]
// [YieldName], which traps if the fuel is negative, and the host treats
// any call that ends with the global negative as out of fuel, trap or not.
// The count depends only on the module and the path its code takes, never
// on the machine, the compiler or where the host yields, so every replica
// counts the same.
//
// The fuel schedule is part of the guest ABI (docs/abi.md), and so of
// the replicated contract: every replica must count the same. Its weights
// are calibrated so that every kind of work burns fuel at about the same
// rate by the wall clock (BenchmarkFuelRate in package wasm):
//
//   - every instruction costs 1, except block, loop, end and nop, which
//     compile to no code of their own and cost 0, and those below; both
//     arms of an if are charged when the then arm runs, and a block's end
//     is charged with what follows it;
//   - a branch that may go back to a loop costs [BranchFuel] more, for the
//     check before it;
//   - a call costs [CallFuel] more, call_indirect [CallIndirectFuel], and a
//     call to an imported (host) function [HostCallFuel];
//   - integer division and remainder, and floating-point division and
//     square root, cost [DivFuel] more;
//   - memory.fill, memory.copy and memory.init cost [BulkFuel] more, and 1
//     per 2^[BulkByteShift] bytes;
//   - memory.grow costs [BulkFuel] more, and [PageFuel] per page
//     requested.
//
// Host functions charge the same global for their own work.
//
// The yield function is imported after the module's own imports, so each
// function the module defines moves up one index: Instrument renumbers
// every reference to one (calls, ref.func, exports, the start function,
// element segments, global initialisers, and the function and local names
// of the name section, whose other subsections it drops).
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

// YieldAtExport is the name under which an instrumented module exports
// its yield-at global, an i64: every check calls the yield function
// ([YieldModule] [YieldName]) when the fuel left is below it. It starts at
// [Options.StartFuel] less [Options.YieldFuel], and at least 0, so that a
// check finding the fuel negative always calls it. A module that already
// exports this name is refused.
//
// The yield function is the host's, and runs with the guest paused: it
// traps if the fuel is negative or the call must stop (a query past its
// deadline), and otherwise lowers the global by the fuel it lets the call
// run until the next yield, and returns. It must charge no fuel and
// change nothing the guest can see, so that where the host yields never
// changes what a call computes. Compiled guest code does not otherwise
// return to the Go runtime, whose garbage collector waits for every
// goroutine: the yields bound that wait, and let the host stop a call
// from outside without a check of its own in every loop.
const YieldAtExport = "synod_yield_at"

// YieldModule and YieldName name the function an instrumented module
// imports for its checks to call (see [YieldAtExport]). It takes nothing
// and returns nothing. A module that imports anything from YieldModule
// itself is refused.
const (
	YieldModule = "synod_meter"
	YieldName   = "yield"
)

// The weights of the fuel schedule beyond 1 per instruction. Changing any
// of them changes how much fuel calls use, which replicas must agree on:
// every host of a cluster must run the same schedule.
const (
	// BranchFuel is the extra cost of a branch that may go back to a
	// loop, which checks the fuel left.
	BranchFuel = 1
	// CallFuel is the extra cost of a call to a function of the module.
	CallFuel = 12
	// CallIndirectFuel is the extra cost of call_indirect. A table never
	// holds an imported function (see Instrument), so it is always a call
	// to a function of the module.
	CallIndirectFuel = 16
	// HostCallFuel is the extra cost of a call to an imported function:
	// leaving compiled code for the host and coming back. Host functions
	// charge for their own work on top.
	HostCallFuel = 250
	// DivFuel is the extra cost of integer division and remainder, and of
	// floating-point division and square root.
	DivFuel = 24
	// BulkFuel is the extra cost of memory.fill, memory.copy, memory.init
	// and memory.grow, which the compiled code runs in the host.
	BulkFuel = 48
	// BulkByteShift is log2 of the bytes memory.fill, memory.copy and
	// memory.init move per unit of fuel.
	BulkByteShift = 4
	// PageFuel is the extra cost of each 64 KiB page memory.grow asks
	// for, whether or not the memory grows: about what it costs the host
	// to give the guest a page it will write (a page fault for each 4 KiB
	// and zeroing them), and to take it back when the instance is reset.
	PageFuel = 1 << pageShift

	pageShift = 16
)
