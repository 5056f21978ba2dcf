package fsm

import (
	"context"

	"github.com/synodhq/synod/host/internal/sched"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
)

// WasmExecutor runs a shard's guest module.
type WasmExecutor struct {
	module *wasm.Module
	heavy  *sched.Pool
}

// NewWasmExecutor returns an executor for a loaded module, whose heavy
// calls (those with a fuel budget over the default) take turns in heavy.
func NewWasmExecutor(m *wasm.Module, heavy *sched.Pool) *WasmExecutor {
	return &WasmExecutor{module: m, heavy: heavy}
}

// Update runs the guest's synod_update.
func (x *WasmExecutor) Update(ctx context.Context, c Call, payload []byte, txn *store.Txn) (Output, error) {
	release, err := x.turn(ctx, c)
	if err != nil {
		return Output{}, err
	}
	defer release()
	out, fuel, err := x.module.Call(ctx, wasm.Update, payload, c.Env(), txn)
	return Output{Data: out, Fuel: fuel}, err
}

// Query runs the guest's synod_query.
func (x *WasmExecutor) Query(ctx context.Context, c Call, payload []byte, view *store.View) (Output, error) {
	release, err := x.turn(ctx, c)
	if err != nil {
		return Output{}, err
	}
	defer release()
	out, fuel, err := x.module.Call(ctx, wasm.Query, payload, c.Env(), readOnly{view})
	return Output{Data: out, Fuel: fuel}, err
}

// turn waits for a heavy call's slot; other calls go at once.
func (x *WasmExecutor) turn(ctx context.Context, c Call) (release func(), err error) {
	if c.Fuel <= wasm.DefaultFuel {
		return func() {}, nil
	}
	return x.heavy.Acquire(ctx, c.ShardID)
}

// readOnly adapts a view to [wasm.KV]; the ABI layer traps a query's writes
// before they get here.
type readOnly struct {
	*store.View
}

func (readOnly) Set(_, _ []byte) error { return errReadOnly }

func (readOnly) Delete([]byte) error { return errReadOnly }
