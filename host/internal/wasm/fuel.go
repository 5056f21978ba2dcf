package wasm

import (
	"context"
	"fmt"

	"github.com/synodhq/synod/host/internal/wasm/meter"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/tetratelabs/wazero/api"
)

// Fuel budgets. A call's budget comes from its shard's setting, which the
// catalogue keeps within [1, MaxFuel]; every replica of an entry runs with
// the budget the entry carries. See meter for what fuel counts: the
// schedule is calibrated so that every kind of work a guest can do burns
// 1 to 4 fuel per nanosecond on this project's reference machine
// (BenchmarkFuelRate, docs/benchmarks.md), so a budget bounds wall time;
// docs/design.md names the one known exception (repeated deletes of a
// key).
const (
	// DefaultFuel is the budget of a call whose shard sets none: at most
	// about 10 ms on the reference machine, whatever the guest does
	// (BenchmarkFuelBound), and a few hundred times what a put of the kv
	// example uses. Every replica runs every command, so a long call
	// delays the other shards of its hosts: shards that need more ask
	// for it.
	DefaultFuel = 10_000_000
	// MaxFuel is the largest budget a shard may set: at most about 1 s
	// on the reference machine.
	MaxFuel = 1_000_000_000
	// startFuel is the budget of starting an instance: its start function
	// and _initialize, each, and of synod_abi_version. Starting is a
	// property of the module alone, so a module that needs more is refused
	// at upload.
	startFuel = 100_000_000
	// yieldFuel is how much fuel a call runs between two yields to the
	// host (see yield): at most about a millisecond on the reference
	// machine.
	yieldFuel = 1 << 20
)

// The fuel host functions charge (docs/abi.md), besides the instructions
// of the call itself and [meter.HostCallFuel] for the call to them. Like
// the meter's, they are calibrated to the time the work takes
// (BenchmarkFuelRate), and they are part of the replicated contract.
const (
	// storeCallFuel is the cost of kv_get, kv_set, kv_delete and kv_scan:
	// a look-up in the store.
	storeCallFuel = 4000
	// scanEntryFuel is the cost of each entry kv_scan returns.
	scanEntryFuel = 1000
	// outputCallFuel is the cost of set_output and set_error: keeping
	// what they read.
	outputCallFuel = 250
	// copyByteShift is log2 of the bytes a host function copies in or out
	// of the guest's memory per unit of fuel.
	copyByteShift = 1
	// writeByteFuel is the cost of each byte of a key or value written to
	// the store: copied into the batch, hashed into the entry's digest,
	// and its old value read for the undo log.
	writeByteFuel = 3
	// readByteFuel is the cost of each byte of a value kv_get reads: out
	// of the store, and into the guest's memory.
	readByteFuel = 1
)

// copyFuel is the cost of copying n bytes between the guest and the host.
func copyFuel(n int) uint64 { return uint64(n) >> copyByteShift }

// writeFuel is the cost of writing n bytes of keys and values.
func writeFuel(n int) uint64 { return uint64(n) * writeByteFuel }

// readFuel is the cost of reading a value of n bytes.
func readFuel(n int) uint64 { return uint64(n) * readByteFuel }

// outOfFuelReason starts the reason of the trap of a call that used its
// whole budget.
const outOfFuelReason = "out of fuel"

// fuelGauge is the fuel global of one instance, and its yield-at global
// (see meter.YieldAtExport).
type fuelGauge struct {
	g       api.MutableGlobal
	yieldAt api.MutableGlobal
}

// gaugeOf returns the fuel gauge of an instrumented module, or an error if
// mod is not one.
func gaugeOf(mod api.Module) (fuelGauge, error) {
	g, ok := mod.ExportedGlobal(meter.Export).(api.MutableGlobal)
	if !ok {
		return fuelGauge{}, fmt.Errorf("instrumented module has no %s global", meter.Export)
	}
	yieldAt, ok := mod.ExportedGlobal(meter.YieldAtExport).(api.MutableGlobal)
	if !ok {
		return fuelGauge{}, fmt.Errorf("instrumented module has no %s global", meter.YieldAtExport)
	}
	return fuelGauge{g, yieldAt}, nil
}

// fill sets the fuel left to budget, and the next yield yieldFuel later.
func (f fuelGauge) fill(budget uint64) {
	f.g.Set(budget)
	f.yieldAt.Set(uint64(max(0, int64(budget)-yieldFuel)))
}

// left returns the fuel left; it is negative after the guest ran out.
func (f fuelGauge) left() int64 { return int64(f.g.Get()) }

// charge takes n fuel, and ends the call if that leaves the gauge
// negative. n is at most a few times 2^32, so the sum cannot overflow.
func (f fuelGauge) charge(n uint64) {
	left := f.left() - int64(n)
	f.g.Set(uint64(left))
	if left < 0 {
		violate(outOfFuelReason)
	}
}

// used returns the fuel a call with the given budget used, and whether it
// ran out.
func (f fuelGauge) used(budget uint64) (uint64, bool) {
	left := f.left()
	if left < 0 {
		return budget, true
	}
	return budget - uint64(left), false
}

// yield is the function the meter's checks call every yieldFuel or so of
// fuel (see meter.YieldAtExport). Compiled guest code never returns to the
// Go runtime on its own: a garbage collection, which must stop every
// goroutine, would wait for the longest call to end, stalling the whole
// process, and a query could not be stopped at its deadline. Being Go
// code, yield lets the runtime stop the goroutine, and it ends a call that
// ran out of fuel or whose context ended (a query past its deadline: an
// update's context never ends, see [Module.Call]). It charges no fuel and
// changes nothing the guest sees, so a call computes the same wherever it
// yields.
func yield(ctx context.Context, mod api.Module, _ []uint64) {
	fuel, err := gaugeOf(mod)
	if err != nil {
		violate("%v", err)
	}
	left := fuel.left()
	switch {
	case left < 0:
		violate(outOfFuelReason)
	case ctx.Err() != nil:
		violate("stopped: %v", context.Cause(ctx))
	}
	fuel.yieldAt.Set(uint64(max(0, left-yieldFuel)))
}

func outOfFuel(budget uint64) *outcome.Trap {
	return &outcome.Trap{Reason: fmt.Sprintf("%s: the call used all of its %d", outOfFuelReason, budget), OutOfFuel: true}
}
