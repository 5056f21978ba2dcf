package wasm

import (
	"fmt"

	"github.com/synodhq/synod/internal/outcome"
	"github.com/tetratelabs/wazero/api"
)

// Fuel budgets. A call's budget comes from its shard's setting, which the
// catalogue keeps within [1, MaxFuel]; every replica of an entry runs with
// the budget the entry carries. See meter for what fuel counts.
const (
	// DefaultFuel is the budget of a call whose shard sets none: 0.15 to
	// 0.6 ms of compute-heavy guest code on this project's reference
	// machine, and 240 times what a put of the kv example uses
	// (docs/benchmarks.md). Every replica runs every command, so a long
	// call delays the other shards of its hosts: shards that need more
	// ask for it.
	DefaultFuel = 10_000_000
	// MaxFuel is the largest budget a shard may set: about 0.6 s.
	MaxFuel = 10_000_000_000
	// startFuel is the budget of starting an instance: its start function
	// and _initialize, each, and of synod_abi_version. Starting is a
	// property of the module alone, so a module that needs more is refused
	// at upload. A Go guest's runtime takes about 1,500,000 to start.
	startFuel = 100_000_000
)

// The fuel host functions charge (docs/abi.md), besides the instructions
// of the call itself.
const (
	// storeCallFuel is the cost of kv_get, kv_set, kv_delete and kv_scan:
	// about what a read of the store costs in time, at the rate compute-
	// heavy guest code burns fuel.
	storeCallFuel = 10_000
	// hostCallFuel is the cost of set_output and set_error.
	hostCallFuel = 1000
	// scanEntryFuel is the cost of each entry kv_scan returns.
	scanEntryFuel = 100
	// hostByteShift is log2 of the bytes a host function moves in or out
	// of the guest's memory per unit of fuel.
	hostByteShift = 6
)

// outOfFuelReason starts the reason of the trap of a call that used its
// whole budget.
const outOfFuelReason = "out of fuel"

// fuelGauge is the fuel global of one instance.
type fuelGauge struct {
	g api.MutableGlobal
}

// fill sets the fuel left to budget.
func (f fuelGauge) fill(budget uint64) { f.g.Set(budget) }

// left returns the fuel left; it is negative after the guest ran out.
func (f fuelGauge) left() int64 { return int64(f.g.Get()) }

// charge takes n fuel plus one unit per 2^hostByteShift bytes, and ends
// the call if that leaves the gauge negative.
func (f fuelGauge) charge(n uint64, bytes int) {
	left := f.left() - int64(n) - int64(bytes>>hostByteShift)
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

func outOfFuel(budget uint64) *outcome.Trap {
	return &outcome.Trap{Reason: fmt.Sprintf("%s: the call used all of its %d", outOfFuelReason, budget), OutOfFuel: true}
}
