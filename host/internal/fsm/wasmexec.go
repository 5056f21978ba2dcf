package fsm

import (
	"context"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
)

// WasmExecutor runs a shard's guest module.
type WasmExecutor struct {
	module *wasm.Module
}

// NewWasmExecutor returns an executor for a loaded module.
func NewWasmExecutor(m *wasm.Module) *WasmExecutor {
	return &WasmExecutor{module: m}
}

// Update runs the guest's synod_update.
func (x *WasmExecutor) Update(ctx context.Context, c Call, payload []byte, txn *store.Txn) (Output, error) {
	out, fuel, err := x.module.Call(ctx, wasm.Update, payload, c.Env(), txn)
	return Output{Data: out, Fuel: fuel}, err
}

// Query runs the guest's synod_query.
func (x *WasmExecutor) Query(ctx context.Context, c Call, payload []byte, view *store.View) (Output, error) {
	out, fuel, err := x.module.Call(ctx, wasm.Query, payload, c.Env(), readOnly{view})
	return Output{Data: out, Fuel: fuel}, err
}

// readOnly adapts a view to [wasm.KV]; the ABI layer traps a query's writes
// before they get here.
type readOnly struct {
	*store.View
}

func (readOnly) Set(_, _ []byte) error { return errReadOnly }

func (readOnly) Delete([]byte) error { return errReadOnly }
