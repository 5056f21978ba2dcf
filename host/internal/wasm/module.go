package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/synodhq/synod/host/internal/wasm/meter"
	"github.com/synodhq/synod/internal/outcome"
)

// Module is a compiled, validated module with pools of idle instances.
type Module struct {
	hash       string
	abiVersion uint32
	rt         *Runtime
	compiled   wazero.CompiledModule
	// image is the state each update starts from, taken from the first
	// instance (see image).
	image *image

	mu sync.Mutex
	// clean instances are in the image's state; updates run on them, and
	// are reset after. warm instances ran queries and were not reset:
	// queries are not replicated, so they need not start from the image,
	// and a reset costs more than a small call. A warm instance never
	// runs an update.
	clean, warm []*instance
}

// Hash returns the module's content address.
func (m *Module) Hash() string { return m.hash }

// Env is everything about a call's environment that a guest can observe
// besides its input and the store. Every replica must pass the same Env for
// the same entry.
type Env struct {
	// TimeNanos is what the guest's clocks read, in Unix nanoseconds.
	TimeNanos int64
	// Seed seeds the guest's random stream.
	Seed [32]byte
	// Fuel is the call's fuel budget: 0 means [DefaultFuel], and more than
	// [MaxFuel] means MaxFuel.
	Fuel uint64
}

func (e Env) budget() uint64 {
	if e.Fuel == 0 {
		return DefaultFuel
	}
	return min(e.Fuel, MaxFuel)
}

// Seed derives the random seed of a call from the shard and the log index.
func Seed(shardID, index uint64) [32]byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], shardID)
	binary.BigEndian.PutUint64(b[8:], index)
	return sha256.Sum256(b[:])
}

// Entry selects the entry point of a call.
type Entry int

const (
	// Update runs synod_update: it may write.
	Update Entry = iota
	// Query runs synod_query: a write traps.
	Query
)

// Call runs one entry point with input against kv and returns the guest's
// output and the fuel the call used (see package meter). A guest failure
// is returned as an [*outcome.AppError] or a [*outcome.Trap], running out of fuel
// included; any other error is the host's own (for example a storage
// failure) and says nothing about the guest. On any error the caller must
// discard the call's writes.
//
// A query stops when ctx ends, at the next place the meter checks its
// fuel, with an error that wraps [ErrInterrupted] and the context's error,
// and its instance is discarded. An update is never interrupted, whatever
// ctx does: its outcome must not depend on when it ran. Fuel bounds it,
// and one that nonetheless runs past the watchdog returns [ErrWatchdog],
// whatever the guest did.
func (m *Module) Call(ctx context.Context, entry Entry, input []byte, env Env, kv KV) (out []byte, fuel uint64, err error) {
	if entry == Update {
		ctx = context.WithoutCancel(ctx)
	} else if ctx.Err() != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
	}
	inst, err := m.get(ctx, entry)
	if err != nil {
		return nil, 0, err
	}
	budget := env.budget()
	inst.env.set(env)
	inst.stderr.reset()
	inst.fuel.fill(budget)
	st := inst.state(kv, entry == Query)
	stop := func() bool { return true }
	if entry == Query {
		// The meter's checks see the stop global (see meter.StopExport).
		stop = context.AfterFunc(ctx, func() { inst.stop.Set(math.MaxInt64) })
	}
	start := time.Now()
	out, err = inst.call(context.WithValue(ctx, callKey{}, st), entry, input, st)
	if !stop() {
		// The stop global is set, or about to be: the instance is done.
		_ = inst.mod.Close(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
		}
	}
	fuel, exhausted := inst.fuel.used(budget)
	if took := time.Since(start); took > m.rt.cfg.Watchdog {
		_ = inst.mod.Close(ctx)
		return nil, fuel, fmt.Errorf("%w: it took %s, the limit is %s (fuel used: %d)", ErrWatchdog, took.Round(time.Millisecond), m.rt.cfg.Watchdog, fuel)
	}
	var trap *outcome.Trap
	if exhausted && (err == nil || isAppError(err) || errors.As(err, &trap)) {
		// Even without a trap: the guest may overdraw its fuel a little
		// before a check notices (see meter).
		out, err = nil, outOfFuel(budget)
	}
	if errors.As(err, &trap) && !trap.OutOfFuel {
		// A Go guest's panic message is on its stderr: the best reason.
		if line := inst.stderr.firstLine(); line != "" {
			trap.Reason += " (" + line + ")"
		}
	}
	// Whatever happened, the instance goes back to a pool, unless the
	// guest exited (which closed it). One that stopped midway (a trap, or
	// a host failure) may have left its runtime's state half changed, so
	// it goes back reset, even after a query.
	m.put(inst, entry == Update || (err != nil && !isAppError(err)))
	if err != nil {
		return nil, fuel, err
	}
	return out, fuel, nil
}

func isAppError(err error) bool {
	var ae *outcome.AppError
	return errors.As(err, &ae)
}

// get returns an instance for a call: a clean one for an update, a warm
// one if there is one for a query.
func (m *Module) get(ctx context.Context, entry Entry) (*instance, error) {
	m.mu.Lock()
	for _, pool := range m.pools(entry) {
		if n := len(*pool); n > 0 {
			inst := (*pool)[n-1]
			*pool = (*pool)[:n-1]
			m.mu.Unlock()
			return inst, nil
		}
	}
	m.mu.Unlock()
	inst, err := m.instantiate(ctx)
	if err != nil {
		return nil, fmt.Errorf("instantiate module %s: %w", m.hash, err)
	}
	return inst, nil
}

// pools returns the pools an instance for entry may come from, in order.
func (m *Module) pools(entry Entry) []*[]*instance {
	if entry == Query {
		return []*[]*instance{&m.warm, &m.clean}
	}
	return []*[]*instance{&m.clean}
}

// put keeps an instance that ran a call for the next, or closes it. With
// reset, it resets the instance to the image, for any call; without, it
// keeps it warm, for queries only.
func (m *Module) put(inst *instance, reset bool) {
	if inst.mod.IsClosed() {
		return
	}
	pool := &m.warm
	if reset {
		if err := m.image.reset(inst); err != nil {
			_ = inst.mod.Close(context.Background())
			return
		}
		pool = &m.clean
	}
	m.mu.Lock()
	if len(*pool) < m.rt.cfg.PoolSize {
		*pool = append(*pool, inst)
		inst = nil
	}
	m.mu.Unlock()
	if inst != nil {
		_ = inst.mod.Close(context.Background())
	}
}

// instance is one instantiated module. It serves one call at a time.
type instance struct {
	mod     api.Module
	lm      *linearMemory
	globals []api.MutableGlobal
	env     *detEnv
	stderr  *stderrTail
	fuel    fuelGauge
	stop    api.MutableGlobal // see meter.StopExport
	alloc   api.Function
	update  api.Function
	query   api.Function
}

// instantiate returns an instance in the module's image state. The first
// instance of a module starts it (_initialize, with a budget of its own),
// and the image is taken from it.
func (m *Module) instantiate(ctx context.Context) (inst *instance, err error) {
	env := newDetEnv()
	stderr := &stderrTail{}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions(). // _initialize runs below, with a budget
		WithStdout(io.Discard).
		WithStderr(stderr).
		WithWalltime(env.walltime, 1).
		WithNanotime(env.nanotime, 1).
		WithNanosleep(func(int64) {}).
		WithOsyield(func() {})
	lm, err := newLinearMemory(uint64(m.rt.cfg.MemoryLimitPages) * pageBytes)
	if err != nil {
		return nil, err
	}
	mod, err := m.rt.rt.InstantiateModule(experimental.WithMemoryAllocator(ctx, allocator(lm)), m.compiled, cfg)
	if err != nil {
		lm.Free()
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = mod.Close(ctx)
		}
	}()
	g, ok := mod.ExportedGlobal(meter.Export).(api.MutableGlobal)
	if !ok {
		return nil, fmt.Errorf("instrumented module has no %s global", meter.Export)
	}
	stop, ok := mod.ExportedGlobal(meter.StopExport).(api.MutableGlobal)
	if !ok {
		return nil, fmt.Errorf("instrumented module has no %s global", meter.StopExport)
	}
	inst = &instance{
		mod:     mod,
		lm:      lm,
		globals: mutableGlobals(mod),
		env:     env,
		stderr:  stderr,
		fuel:    fuelGauge{g},
		stop:    stop,
		alloc:   mod.ExportedFunction(exportAlloc),
		update:  mod.ExportedFunction(exportUpdate),
		query:   mod.ExportedFunction(exportQuery),
	}
	if m.image != nil {
		return inst, m.image.apply(inst)
	}
	if err := inst.start(ctx); err != nil {
		return nil, err
	}
	if m.image, err = capture(inst, !m.rt.cfg.untrackedResets); err != nil {
		return nil, err
	}
	return inst, nil
}

// state returns the state of a call to the instance, for the host
// functions it calls. kv is nil for a call that is not an entry point.
func (inst *instance) state(kv KV, readOnly bool) *callState {
	return &callState{kv: kv, readOnly: readOnly, fuel: inst.fuel, env: inst.env, stderr: inst.stderr}
}

// start runs a new module's _initialize, if it exports one.
func (inst *instance) start(ctx context.Context) error {
	init := inst.mod.ExportedFunction("_initialize")
	if init == nil {
		return nil
	}
	inst.fuel.fill(startFuel)
	if _, err := init.Call(context.WithValue(ctx, callKey{}, inst.state(nil, false))); err != nil {
		if _, exhausted := inst.fuel.used(startFuel); exhausted {
			return fmt.Errorf("_initialize: %w", outOfFuel(startFuel))
		}
		return fmt.Errorf("_initialize: %w", err)
	}
	return nil
}

func (inst *instance) call(ctx context.Context, entry Entry, input []byte, st *callState) (out []byte, err error) {
	defer func() {
		if err != nil {
			err = classify(err)
		}
	}()
	res, err := inst.alloc.Call(ctx, uint64(len(input)))
	if err != nil {
		return nil, err
	}
	ptr := uint32(res[0])
	if !inst.mod.Memory().Write(ptr, input) {
		return nil, &outcome.Trap{Reason: fmt.Sprintf("synod_alloc(%d) returned %d, outside memory", len(input), ptr)}
	}
	fn := inst.update
	if entry == Query {
		fn = inst.query
	}
	res, err = fn.Call(ctx, uint64(ptr), uint64(len(input)))
	if err != nil {
		return nil, err
	}
	if status := int32(uint32(res[0])); status != 0 {
		if st.appErr == nil {
			st.appErr = &outcome.AppError{Code: uint32(status), Message: fmt.Sprintf("module returned status %d without calling set_error", status)}
		}
		return nil, st.appErr
	}
	return st.output, nil
}

// classify turns an error out of wazero into a [*outcome.Trap], unless it is a
// host failure or an error that is already classified.
func classify(err error) error {
	var hf *hostFailure
	if errors.As(err, &hf) {
		return fmt.Errorf("host failure during guest call: %w", hf.err)
	}

	var trap *outcome.Trap
	if isAppError(err) || errors.As(err, &trap) {
		return err
	}
	var v *abiViolation
	if errors.As(err, &v) {
		return &outcome.Trap{Reason: v.reason}
	}
	return &outcome.Trap{Reason: firstLine(err)}
}

// firstLine returns an error's message without the wasm stack trace that
// wazero appends.
func firstLine(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// detEnv is the deterministic clock and random stream of one instance,
// reset before every call.
type detEnv struct {
	nanos int64
	rng   *rand.ChaCha8
}

// startupNanos is what the clocks read while an instance starts: fixed, and
// not zero, which Go's runtime refuses.
const startupNanos = 1

func newDetEnv() *detEnv {
	return &detEnv{nanos: startupNanos, rng: rand.NewChaCha8([32]byte{})}
}

func (e *detEnv) set(env Env) {
	e.nanos = max(env.TimeNanos, startupNanos)
	e.rng = rand.NewChaCha8(env.Seed)
}

func (e *detEnv) walltime() (int64, int32) {
	return e.nanos / 1e9, int32(e.nanos % 1e9)
}

func (e *detEnv) nanotime() int64 { return e.nanos }

// stderrTailBytes bounds what is kept of a call's stderr.
const stderrTailBytes = 1 << 10

// stderrTail keeps the start of what a guest writes to stderr during one
// call, so that a trap can say why (a Go panic prints its message there).
// Its content depends only on the guest's execution, so it is as
// deterministic as the trap itself.
type stderrTail struct {
	buf []byte
}

func (s *stderrTail) Write(p []byte) (int, error) {
	if room := stderrTailBytes - len(s.buf); room > 0 {
		s.buf = append(s.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (s *stderrTail) reset() { s.buf = s.buf[:0] }

func (s *stderrTail) firstLine() string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(s.buf)), "\n")
	return line
}
