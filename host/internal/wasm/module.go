package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/synodhq/synod/internal/memreturn"
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

	// refs counts the holders of the module (see [Runtime.Load]); it is
	// guarded by the runtime's lock.
	refs int

	mu sync.Mutex
	// clean instances are in the image's state; updates run on them, and
	// are reset after. warm instances ran queries and were not reset:
	// queries are not replicated, so they need not start from the image,
	// and a reset costs more than a small call. A warm instance never
	// runs an update. Each pool is in the order the instances were
	// returned, the least recently used first.
	clean, warm []*instance
	// live counts the module's instances, in a pool or running a call.
	live int
	// released is set once the last holder released the module: its
	// instances are closed as they come back, and its image is freed
	// with the last of them.
	released bool
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
// included, or as the store's [*outcome.Error] for a write it refused
// (past the entry's limits, see store.Limits); any other error is the host's own (for example a storage
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
		return nil, 0, fmt.Errorf("module %s: %w", m.hash, err)
	}
	// An update's instance is new or was reset after its last call (see
	// pools, and restored): from here on, only this goroutine writes to
	// its memory, and a write to a protected page faults on its thread.
	var faults faultWatch
	if entry == Update && inst.restored && m.image.memory.tracksWrites() {
		faults = watchFaults()
		defer faults.stop()
	}
	inst.restored = false
	budget := env.budget()
	inst.env.set(env)
	inst.stderr.reset()
	inst.fuel.fill(budget)
	st := inst.state(kv, entry == Query)
	start := time.Now()
	out, err = inst.call(context.WithValue(ctx, callKey{}, st), entry, input, st)
	if err != nil && ctx.Err() != nil {
		// A query stopped at a yield, or failed as its context ended:
		// either way its caller has gone, and the instance is dropped.
		m.drop(inst, false)
		return nil, 0, fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
	}
	fuel, exhausted := inst.fuel.used(budget)
	if took := time.Since(start); took > m.rt.cfg.Watchdog {
		m.drop(inst, false)
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
	m.put(inst, entry == Update || (err != nil && !isAppError(err)), faults.none())
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
// one if there is one for a query, or a new one as the runtime's budget
// allows (see budget). A query that must wait for one waits until ctx
// ends, and then fails with [ErrNoInstance].
func (m *Module) get(ctx context.Context, entry Entry) (*instance, error) {
	b := m.rt.budget
	for {
		inst, err := m.pop(entry)
		if inst != nil || err != nil {
			return inst, err
		}
		ok, wait := b.admit(entry)
		switch {
		case ok:
		case m.rt.evictIdle():
			continue
		case entry == Update:
			b.overdraw()
		default:
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("%w: %w", ErrNoInstance, context.Cause(ctx))
			}
		}
		return m.create(ctx)
	}
}

// pop takes an idle instance for entry out of the pools, if there is one.
func (m *Module) pop(entry Entry) (*instance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		return nil, errReleased
	}
	for _, pool := range m.pools(entry) {
		if n := len(*pool); n > 0 {
			inst := (*pool)[n-1]
			*pool = (*pool)[:n-1]
			m.rt.budget.taken()
			return inst, nil
		}
	}
	return nil, nil
}

// create instantiates the module for a call the budget counted.
func (m *Module) create(ctx context.Context) (*instance, error) {
	m.mu.Lock()
	m.live++
	m.mu.Unlock()
	inst, err := m.instantiate(ctx)
	if err != nil {
		m.drop(&instance{}, false) // uncounts it: nothing to close
		return nil, err
	}
	m.measure(inst)
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
// keeps it warm, for queries only. An instance beyond the pool's size or
// the runtime's cap on instances (which updates may exceed) is closed; and
// idle instances of any module, least recently used first, this one
// included, while the guest memory is over the budget. noFaults is the
// reset's (see image.reset).
func (m *Module) put(inst *instance, reset, noFaults bool) {
	defer m.rt.trim()
	if inst.mod.IsClosed() {
		m.drop(inst, false)
		return
	}
	m.measure(inst)
	pool := &m.warm
	if reset {
		if err := m.image.reset(inst, noFaults); err != nil {
			m.drop(inst, false)
			return
		}
		pool = &m.clean
	}
	m.mu.Lock()
	keep := !m.released && len(*pool) < m.rt.cfg.PoolSize && !m.rt.budget.overCap()
	if keep {
		inst.used = m.rt.budget.returned()
		*pool = append(*pool, inst)
	}
	m.mu.Unlock()
	if !keep {
		m.drop(inst, false)
	}
}

// measure counts what an instance's linear memory grew by since it was
// last measured. Memory never shrinks.
func (m *Module) measure(inst *instance) {
	size := uint64(inst.mod.Memory().Size())
	m.rt.budget.add(int64(size - inst.bytes))
	inst.bytes = size
}

// drop closes an instance out of a pool (idle) or back from a call, and
// frees the module's image with its last instance once it is released.
func (m *Module) drop(inst *instance, idle bool) {
	if inst.mod != nil {
		_ = inst.mod.Close(context.Background())
	}
	m.rt.budget.closed(inst.bytes, idle)
	m.mu.Lock()
	m.live--
	free := m.released && m.live == 0
	m.mu.Unlock()
	if free {
		m.freeImage()
	}
}

// oldestIdle returns when the module's least recently used idle instance
// was returned, if it has one.
func (m *Module) oldestIdle() (used uint64, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if pool := m.lruPool(); pool != nil {
		return (*pool)[0].used, true
	}
	return 0, false
}

// evictOldest closes the module's least recently used idle instance, and
// reports whether it had one.
func (m *Module) evictOldest() bool {
	m.mu.Lock()
	pool := m.lruPool()
	if pool == nil {
		m.mu.Unlock()
		return false
	}
	inst := (*pool)[0]
	*pool = slices.Delete(*pool, 0, 1)
	m.mu.Unlock()
	m.drop(inst, true)
	return true
}

// lruPool returns the pool whose first instance is the module's least
// recently used, or nil if both are empty. m.mu is held.
func (m *Module) lruPool() *[]*instance {
	switch {
	case len(m.clean) == 0 && len(m.warm) == 0:
		return nil
	case len(m.warm) == 0 || len(m.clean) > 0 && m.clean[0].used < m.warm[0].used:
		return &m.clean
	}
	return &m.warm
}

// Release gives back a holder's reference to the module (see
// [Runtime.Load]). When the last holder releases it, the runtime forgets
// it and its memory is freed: its idle instances at once, the instances
// running a call as they finish, its image with the last of them, and its
// compiled code. Loading it again compiles it again.
func (m *Module) Release() {
	r := m.rt
	r.mu.Lock()
	m.refs--
	last := m.refs == 0
	if last && r.modules[m.hash] == m {
		delete(r.modules, m.hash)
	}
	r.mu.Unlock()
	if last {
		m.close()
	}
}

// close frees a module no one holds, or one that failed validation.
func (m *Module) close() {
	m.mu.Lock()
	m.released = true
	idle := append(m.clean, m.warm...)
	m.clean, m.warm = nil, nil
	m.mu.Unlock()
	for _, inst := range idle {
		m.drop(inst, true)
	}
	m.mu.Lock()
	free := m.live == 0
	m.mu.Unlock()
	if free {
		m.freeImage()
	}
	_ = m.compiled.Close(context.Background())
}

// freeImage frees the image of a released module whose instances are
// all closed, so none can be reset to it any more.
func (m *Module) freeImage() {
	m.mu.Lock()
	img := m.image
	m.image = nil
	m.mu.Unlock()
	if img != nil {
		m.rt.budget.add(-int64(img.size))
		img.free()
		// The image is unmapped, but compiling and running the module
		// left memory of Go's own behind (wazero's compiled code is
		// unmapped only once collected).
		memreturn.Soon()
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
	alloc   api.Function
	update  api.Function
	query   api.Function
	// bytes is the size of the linear memory as the budget counts it.
	bytes uint64
	// used is when the instance was last returned to a pool, on the
	// budget's clock.
	used uint64
	// restored says that the instance holds the image's state and ran
	// nothing since: it is new, or was reset after its last call.
	restored bool
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
	fuel, err := gaugeOf(mod)
	if err != nil {
		return nil, err
	}
	inst = &instance{
		mod:     mod,
		lm:      lm,
		globals: mutableGlobals(mod),
		env:     env,
		stderr:  stderr,
		fuel:    fuel,
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
	m.rt.budget.add(int64(m.image.size))
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
	var r *refusal
	if errors.As(err, &r) {
		return r.err
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
	// seed is the call's; rng is seeded from it on the call's first read,
	// which most calls never make, so that the rest skip seeding (a
	// ChaCha8 block computed per call).
	seed   [32]byte
	seeded bool
	rng    rand.ChaCha8
}

// startupNanos is what the clocks read while an instance starts: fixed, and
// not zero, which Go's runtime refuses.
const startupNanos = 1

func newDetEnv() *detEnv {
	return &detEnv{nanos: startupNanos}
}

func (e *detEnv) set(env Env) {
	e.nanos = max(env.TimeNanos, startupNanos)
	e.seed, e.seeded = env.Seed, false
}

// read fills buf from the call's random stream: the same bytes as a
// ChaCha8 seeded with the call's seed would give from its start.
func (e *detEnv) read(buf []byte) {
	if !e.seeded {
		e.rng.Seed(e.seed)
		e.seeded = true
	}
	_, _ = e.rng.Read(buf) // never fails
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
