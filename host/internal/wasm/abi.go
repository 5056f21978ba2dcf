package wasm

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm/meter"
	"github.com/synodhq/synod/internal/outcome"
)

// ABIVersion is the guest ABI version this host speaks.
const ABIVersion = 1

// Limits of the guest ABI v1 (docs/abi.md).
const (
	// MaxKeyBytes is the largest key a guest may use.
	MaxKeyBytes = 4 << 10
	// MaxValueBytes is the largest value a guest may store.
	MaxValueBytes = 1 << 20
	// MaxOutputBytes is the largest result or error message.
	MaxOutputBytes = 4 << 20
	// MaxScanEntries is the most entries one kv_scan returns.
	MaxScanEntries = 1000
	// MaxScanBytes bounds the encoding one kv_scan returns: entries stop
	// once it is reached (at least one entry is always returned).
	MaxScanBytes = 4 << 20
)

// hostModuleName is the import module of Synod's host functions.
const hostModuleName = "synod"

// KV is the key space a call reads and writes: the calling shard's user
// keys. Implementations report storage failures as errors; they are not
// called concurrently within one call.
type KV interface {
	Get(key []byte) (value []byte, ok bool, err error)
	Scan(start, end []byte, limit int) ([]store.KV, error)
	Set(key, value []byte) error
	Delete(key []byte) error
}

// callState is what the host functions of one call share; it travels in
// the call's context. Every call into an instance has one, its start
// included (see [instance.state]).
type callState struct {
	// kv is nil outside an entry point, where the synod functions may not
	// be called.
	kv       KV
	readOnly bool
	fuel     fuelGauge
	env      *detEnv
	stderr   *stderrTail
	output   []byte
	appErr   *outcome.AppError
}

type callKey struct{}

// stateOf returns the state of the entry point that called a synod
// function.
func stateOf(ctx context.Context) *callState {
	st := instanceStateOf(ctx)
	if st.kv == nil {
		violate("host function called outside an entry point")
	}
	return st
}

// instanceStateOf returns the state of the call that called a host
// function.
func instanceStateOf(ctx context.Context) *callState {
	st, _ := ctx.Value(callKey{}).(*callState)
	if st == nil {
		violate("host function called outside a call")
	}
	return st
}

// hostFunction is one import of the synod module.
type hostFunction struct {
	name    string
	fn      api.GoModuleFunc
	params  []api.ValueType
	results []api.ValueType
}

var i32 = api.ValueTypeI32

func hostFunctions() []hostFunction {
	return []hostFunction{
		{"kv_get", kvGet, []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
		{"kv_set", kvSet, []api.ValueType{i32, i32, i32, i32}, nil},
		{"kv_delete", kvDelete, []api.ValueType{i32, i32}, nil},
		{"kv_scan", kvScan, []api.ValueType{i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		{"set_output", setOutput, []api.ValueType{i32, i32}, nil},
		{"set_error", setError, []api.ValueType{i32, i32, i32}, nil},
	}
}

// instantiateHostModule provides Synod's host functions, and the meter's
// yield function (see yield).
func instantiateHostModule(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(hostModuleName)
	for _, f := range hostFunctions() {
		b = b.NewFunctionBuilder().WithGoModuleFunction(f.fn, f.params, f.results).Export(f.name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return err
	}
	_, err := rt.NewHostModuleBuilder(meter.YieldModule).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(yield), nil, nil).Export(meter.YieldName).
		Instantiate(ctx)
	return err
}

// read copies len bytes at ptr out of the guest's memory, or traps.
func read(mod api.Module, ptr, length uint32, what string, limit int) []byte {
	if int(length) > limit {
		violate("%s of %d bytes is over the limit of %d", what, length, limit)
	}
	b, ok := mod.Memory().Read(ptr, length)
	if !ok {
		violate("%s at [%d, %d) is outside memory", what, ptr, uint64(ptr)+uint64(length))
	}
	return append([]byte(nil), b...)
}

func readKey(mod api.Module, ptr, length uint32) []byte {
	if length == 0 {
		violate("empty key")
	}
	return read(mod, ptr, length, "key", MaxKeyBytes)
}

// copyOut writes b to the guest's buffer when it fits and returns len(b).
func copyOut(mod api.Module, b []byte, ptr, capacity uint32) uint64 {
	if len(b) <= int(capacity) && !mod.Memory().Write(ptr, b) {
		violate("buffer at [%d, %d) is outside memory", ptr, uint64(ptr)+uint64(len(b)))
	}
	return uint64(uint32(len(b)))
}

// must ends the call if a store operation failed: with the store's
// refusal as the call's outcome when it refused a write past the entry's
// limits (which every replica refuses alike), or as a host failure.
func must(err error) {
	if err == nil {
		return
	}
	if e := (*outcome.Error)(nil); errors.As(err, &e) && e.Applied == outcome.AppliedYes {
		panic(&refusal{err: e})
	}
	panic(&hostFailure{err: err})
}

func kvGet(ctx context.Context, mod api.Module, stack []uint64) {
	st := stateOf(ctx)
	st.fuel.charge(storeCallFuel + copyFuel(int(uint32(stack[1]))))
	key := readKey(mod, uint32(stack[0]), uint32(stack[1]))
	v, ok, err := st.kv.Get(key)
	must(err)
	if !ok {
		stack[0] = uint64(uint32(0xFFFFFFFF)) // -1 as i32
		return
	}
	st.fuel.charge(readFuel(len(v)))
	stack[0] = copyOut(mod, v, uint32(stack[2]), uint32(stack[3]))
}

func kvSet(ctx context.Context, mod api.Module, stack []uint64) {
	st := stateOf(ctx)
	if st.readOnly {
		violate("kv_set called from a query: queries are read-only")
	}
	st.fuel.charge(storeCallFuel + writeFuel(int(uint32(stack[1]))+int(uint32(stack[3]))))
	key := readKey(mod, uint32(stack[0]), uint32(stack[1]))
	val := read(mod, uint32(stack[2]), uint32(stack[3]), "value", MaxValueBytes)
	must(st.kv.Set(key, val))
}

func kvDelete(ctx context.Context, mod api.Module, stack []uint64) {
	st := stateOf(ctx)
	if st.readOnly {
		violate("kv_delete called from a query: queries are read-only")
	}
	st.fuel.charge(storeCallFuel + writeFuel(int(uint32(stack[1]))))
	must(st.kv.Delete(readKey(mod, uint32(stack[0]), uint32(stack[1]))))
}

func kvScan(ctx context.Context, mod api.Module, stack []uint64) {
	st := stateOf(ctx)
	st.fuel.charge(storeCallFuel + copyFuel(int(uint32(stack[1]))+int(uint32(stack[3]))))
	start := read(mod, uint32(stack[0]), uint32(stack[1]), "scan start", MaxKeyBytes)
	end := read(mod, uint32(stack[2]), uint32(stack[3]), "scan end", MaxKeyBytes)
	limit := int(int32(uint32(stack[4])))
	if limit <= 0 || limit > MaxScanEntries {
		limit = MaxScanEntries
	}
	kvs, err := st.kv.Scan(start, end, limit)
	must(err)
	var buf []byte
	for _, kv := range kvs {
		if len(buf) >= MaxScanBytes {
			break
		}
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(kv.Key)))
		buf = append(buf, kv.Key...)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(kv.Value)))
		buf = append(buf, kv.Value...)
	}
	st.fuel.charge(scanEntryFuel*uint64(len(kvs)) + copyFuel(len(buf)))
	stack[0] = copyOut(mod, buf, uint32(stack[5]), uint32(stack[6]))
}

func setOutput(ctx context.Context, mod api.Module, stack []uint64) {
	st := stateOf(ctx)
	st.fuel.charge(outputCallFuel + copyFuel(int(uint32(stack[1]))))
	st.output = read(mod, uint32(stack[0]), uint32(stack[1]), "output", MaxOutputBytes)
}

func setError(ctx context.Context, mod api.Module, stack []uint64) {
	st := stateOf(ctx)
	st.fuel.charge(outputCallFuel + copyFuel(int(uint32(stack[2]))))
	msg := read(mod, uint32(stack[1]), uint32(stack[2]), "error message", MaxOutputBytes)
	st.appErr = &outcome.AppError{Code: uint32(stack[0]), Message: string(msg)}
}
