package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/synodhq/synod/host/internal/wasm/meter"
)

// Config configures a [Runtime].
type Config struct {
	// CacheDir holds compiled modules across restarts; empty means no
	// on-disk cache.
	CacheDir string
	// MaxModuleBytes is the largest module accepted; 0 means 16 MiB.
	MaxModuleBytes int
	// MemoryLimitPages caps each instance's linear memory, in 64 KiB pages;
	// 0 means 4096 (256 MiB). It is built into each module (see meter), so
	// every host of a cluster must use the same value.
	MemoryLimitPages uint32
	// PoolSize is how many idle instances are kept per module, for updates
	// and for queries each; 0 means 8.
	PoolSize int
	// MaxInstances caps the instances of all modules, idle and busy; 0
	// means 64. A quarter of them (at least one, unless the cap is 1) is
	// kept for updates: queries wait for an instance beyond the rest,
	// updates never wait (see budget).
	MaxInstances int
	// MemoryBudget is the guest memory this host keeps, in bytes: the
	// modules' images and the instances' linear memories. Beyond it,
	// idle instances are closed, least recently used first, and queries
	// wait for busy ones; 0 means 4 GiB.
	MemoryBudget uint64
	// Watchdog is how long a call may run by the wall clock before its
	// outcome is refused with [ErrWatchdog]; 0 means 30 s. Fuel bounds
	// every call long before that on a healthy machine: the watchdog is
	// the last line of defence.
	Watchdog time.Duration

	// untrackedResets makes resets use the copy-on-write image even where
	// the kernel can track writes, so that tests cover both.
	untrackedResets bool
}

func (c Config) withDefaults() Config {
	if c.MaxModuleBytes == 0 {
		c.MaxModuleBytes = 16 << 20
	}
	if c.MemoryLimitPages == 0 {
		c.MemoryLimitPages = 4096
	}
	if c.PoolSize == 0 {
		c.PoolSize = 8
	}
	if c.MaxInstances == 0 {
		c.MaxInstances = 64
	}
	if c.MemoryBudget == 0 {
		c.MemoryBudget = 4 << 30
	}
	if c.Watchdog == 0 {
		c.Watchdog = 30 * time.Second
	}
	return c
}

// Runtime compiles modules and keeps them, with their instance pools,
// while someone holds them (see [Runtime.Load]), within a host-wide budget
// of instances and memory. It is safe for concurrent use.
type Runtime struct {
	cfg    Config
	rt     wazero.Runtime
	budget *budget

	mu      sync.Mutex
	modules map[string]*Module // the modules held, by hash
	// flights are the compiles under way or waiting for a slot, by
	// module hash.
	flights map[string]*flight
	// compileSlots holds a token for each compile under way.
	compileSlots chan struct{}
	// closed is set once Close began: no compile starts after it.
	closed bool
	// compiles counts the compiles' goroutines, which Close waits for:
	// closing the wazero runtime frees the memory of a module that one
	// may still be starting.
	compiles sync.WaitGroup

	hooks *testHooks // nil but in tests
}

// NewRuntime starts a runtime with Synod's host functions and the
// deterministic WASI subset.
func NewRuntime(ctx context.Context, cfg Config) (*Runtime, error) {
	cfg = cfg.withDefaults()
	rc := wazero.NewRuntimeConfigCompiler().
		WithCoreFeatures(api.CoreFeaturesV2 &^ api.CoreFeatureSIMD). // see meter
		WithMemoryLimitPages(cfg.MemoryLimitPages)
	if cfg.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("open compilation cache %s: %w", cfg.CacheDir, err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	if err := instantiateWASI(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("instantiate wasi: %w", err)
	}
	if err := instantiateHostModule(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("instantiate host module: %w", err)
	}
	return &Runtime{
		cfg: cfg, rt: rt, budget: newBudget(cfg),
		modules: make(map[string]*Module), flights: make(map[string]*flight), compileSlots: make(chan struct{}, compileSlots),
	}, nil
}

// Close releases every module and instance. It cancels the compiles
// under way and waits for them to end first.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	for _, f := range r.flights {
		f.cancel()
	}
	r.mu.Unlock()
	r.compiles.Wait()
	return r.rt.Close(ctx)
}

// ErrClosed is the error of a load that came after [Runtime.Close].
var ErrClosed = errors.New("the module runtime is closed")

// Hash returns the content address of a module: its lowercase hex SHA-256.
func Hash(wasm []byte) string {
	sum := sha256.Sum256(wasm)
	return hex.EncodeToString(sum[:])
}

// Info describes a validated module.
type Info struct {
	// Hash is the module's content address.
	Hash string
	// ABIVersion is the version its synod_abi_version export returned.
	ABIVersion uint32
}

// Validate checks that wasm is a module this host can run: a well-formed
// binary under the size limit, with the required exports and signatures,
// imports only from the synod and WASI modules, that instantiates and
// declares ABI version 1. A valid module is compiled into the cache, so
// that later loads are fast, and its memory after start-up must be at
// most [StartupMemoryLimit]. Errors wrap [ErrInvalidModule] or
// [ErrModuleTooLarge] and name the problem.
func (r *Runtime) Validate(ctx context.Context, wasm []byte) (Info, error) {
	m, err := r.Load(ctx, Hash(wasm), wasm)
	if err != nil {
		return Info{}, err
	}
	defer m.Release()
	if err := m.checkStartupMemory(); err != nil {
		return Info{}, err
	}
	return Info{Hash: m.hash, ABIVersion: m.abiVersion}, nil
}

// Load returns the module with the given hash, compiling wasm if the
// runtime does not hold it yet. Bytes that do not hash to hash are refused
// with [ErrHashMismatch], so that whatever a module is run as is what its
// content address says.
//
// The caller holds the module until it calls [Module.Release]: a module is
// kept only while someone holds it (a shard's replica, an upload being
// validated), and compiled again when loaded after its last release.
//
// A module is compiled once at a time: concurrent loads of one hash wait
// for the same compile, on a goroutine of its own. A runtime compiles one
// module at a time (compileSlots), so that no number of uploads can hold
// more of a host's cores and memory than one compile does; the others
// wait their turn. A load whose ctx ends stops waiting and returns ctx's
// error; once no load is left waiting for a compile, the compile is
// cancelled: wazero's compiler checks its context between functions when
// it has more than one worker (compileWorkers), and the limits of
// limits.go bound the time one function takes. Its decoder and validator
// do not look at the context, but take time in proportion to the bytes.
func (r *Runtime) Load(ctx context.Context, hash string, wasm []byte) (*Module, error) {
	if m, ok := r.Loaded(hash); ok {
		return m, nil
	}
	if got := Hash(wasm); got != hash {
		return nil, fmt.Errorf("load module %s: %w: they hash to %s", hash, ErrHashMismatch, got)
	}
	f := r.join(ctx, hash, wasm)
	r.hooks.waiting(hash)
	select {
	case <-f.done:
		if f.err != nil {
			return nil, f.err
		}
		return f.m, nil
	case <-ctx.Done():
		r.abandon(hash, f)
		return nil, fmt.Errorf("load module %s: %w", hash, context.Cause(ctx))
	}
}

const (
	// compileSlots is how many modules a runtime compiles at once.
	compileSlots = 1
	// compileWorkers is how many goroutines compile a module's functions:
	// two, the fewest with which wazero's compiler stops when its context
	// ends (with one, it never looks). Compiling is Go code, which the
	// scheduler shares fairly with the rest of the host.
	compileWorkers = 2
)

// flight is one compile of a module, which every load of its hash waits
// for. Its fields are guarded by the runtime's mu; m, err and finished are
// set before done is closed.
type flight struct {
	done chan struct{}
	// waiters are the loads waiting for it, each of which holds the
	// module once it is compiled.
	waiters int
	// cancel stops the compile, once no load is left waiting for it.
	cancel   context.CancelFunc
	m        *Module
	err      error
	finished bool
}

// join returns the compile of a module under way, starting it if there is
// none. The compile does not end with ctx, since other loads may be
// waiting for it, but when the last of them abandons it.
func (r *Runtime) join(ctx context.Context, hash string, wasm []byte) *flight {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.flights[hash]; ok {
		f.waiters++
		return f
	}
	compileCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight{done: make(chan struct{}), waiters: 1, cancel: cancel}
	if r.closed {
		cancel()
		f.err, f.finished = fmt.Errorf("load module %s: %w", hash, ErrClosed), true
		close(f.done)
		return f
	}
	if m, ok := r.modules[hash]; ok { // loaded since Load looked
		cancel()
		m.refs++
		f.m, f.finished = m, true
		close(f.done)
		return f
	}
	r.flights[hash] = f
	r.compiles.Add(1)
	go func() {
		defer r.compiles.Done()
		defer cancel()
		m, err := r.compileInTurn(compileCtx, hash, wasm)
		r.mu.Lock()
		if r.flights[hash] == f {
			delete(r.flights, hash)
		}
		unwanted := err == nil && f.waiters == 0
		if err == nil && !unwanted {
			m.refs = f.waiters // each waiter holds it
			r.modules[hash] = m
		}
		f.m, f.err, f.finished = m, err, true
		r.mu.Unlock()
		close(f.done)
		if unwanted {
			m.close()
		}
	}()
	return f
}

// compileInTurn compiles a module once a compile slot is free, or fails
// when ctx ends first.
func (r *Runtime) compileInTurn(ctx context.Context, hash string, wasm []byte) (*Module, error) {
	select {
	case r.compileSlots <- struct{}{}:
		defer func() { <-r.compileSlots }()
	case <-ctx.Done():
		return nil, fmt.Errorf("compile module %s: %w", hash, context.Cause(ctx))
	}
	r.hooks.compiling(ctx, hash)
	return r.compile(experimental.WithCompilationWorkers(ctx, compileWorkers), hash, wasm)
}

// abandon gives up waiting for the compile f of the module hash: the
// waiter no longer wants the module, which it holds already if the compile
// has finished. The last waiter to go cancels the compile, and a later
// load starts another.
func (r *Runtime) abandon(hash string, f *flight) {
	r.mu.Lock()
	held := f.finished && f.err == nil
	if !f.finished {
		f.waiters--
		if f.waiters == 0 {
			f.cancel()
			delete(r.flights, hash)
		}
	}
	r.mu.Unlock()
	if held {
		f.m.Release()
	}
}

// testHooks let tests see a runtime's compiles and the loads that wait
// for them (export_test.go).
type testHooks struct {
	onCompile func(ctx context.Context, hash string)
	onWait    func(hash string)
}

func (h *testHooks) compiling(ctx context.Context, hash string) {
	if h != nil {
		h.onCompile(ctx, hash)
	}
}

func (h *testHooks) waiting(hash string) {
	if h != nil {
		h.onWait(hash)
	}
}

// Loaded returns a module already loaded, if any, which the caller then
// holds as from [Runtime.Load].
func (r *Runtime) Loaded(hash string) (*Module, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.modules[hash]
	if ok {
		m.refs++
	}
	return m, ok
}

// Usage returns what the runtime's modules and instances hold now.
func (r *Runtime) Usage() Usage {
	u := r.budget.usage()
	r.mu.Lock()
	u.Modules = len(r.modules)
	r.mu.Unlock()
	return u
}

// evictIdle closes the least recently used idle instance of any module,
// and reports whether there was one.
func (r *Runtime) evictIdle() bool {
	for {
		var victim *Module
		var oldest uint64
		r.mu.Lock()
		for _, m := range r.modules {
			if used, ok := m.oldestIdle(); ok && (victim == nil || used < oldest) {
				victim, oldest = m, used
			}
		}
		r.mu.Unlock()
		if victim == nil {
			return false
		}
		if victim.evictOldest() {
			return true
		}
	}
}

// trim closes idle instances, least recently used first, while the guest
// memory is over the budget.
func (r *Runtime) trim() {
	for r.budget.over() && r.evictIdle() {
	}
}

func (r *Runtime) compile(ctx context.Context, hash string, wasm []byte) (*Module, error) {
	if len(wasm) > r.cfg.MaxModuleBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrModuleTooLarge, len(wasm), r.cfg.MaxModuleBytes)
	}
	// Before wazero sees the bytes: see precheck.
	if err := precheck(wasm); err != nil {
		if fe := (*formatError)(nil); errors.As(err, &fe) && fe.overLimit {
			return nil, fmt.Errorf("%w: over the limits on modules (docs/abi.md): %w", ErrInvalidModule, err)
		}
		return nil, fmt.Errorf("%w: not a valid WebAssembly binary: %w", ErrInvalidModule, err)
	}
	// The meter checks the limits on code (see codeLimits) as it decodes.
	metered, err := meter.Instrument(wasm, meter.Options{StartFuel: startFuel, YieldFuel: yieldFuel, MaxMemoryPages: r.cfg.MemoryLimitPages, Limits: codeLimits})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidModule, err)
	}
	compiled, err := compileGuarded(ctx, r.rt, metered)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("compile module %s: %w", hash, context.Cause(ctx))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: not a valid WebAssembly binary: %w", ErrInvalidModule, err)
	}
	if err := checkImports(compiled); err != nil {
		_ = compiled.Close(ctx)
		return nil, err
	}
	if err := checkExports(compiled); err != nil {
		_ = compiled.Close(ctx)
		return nil, err
	}
	m := &Module{hash: hash, rt: r, compiled: compiled}
	inst, err := m.get(ctx, Update)
	if err != nil {
		m.close()
		return nil, fmt.Errorf("%w: instantiation failed: %s", ErrInvalidModule, firstLine(err))
	}
	defer m.put(inst, true, false)
	inst.fuel.fill(startFuel)
	res, err := inst.mod.ExportedFunction(exportABIVersion).Call(context.WithValue(ctx, callKey{}, inst.state(nil, false)))
	if err != nil {
		m.close()
		return nil, fmt.Errorf("%w: %s failed: %s", ErrInvalidModule, exportABIVersion, firstLine(err))
	}
	if v := uint32(res[0]); v != ABIVersion {
		m.close()
		return nil, fmt.Errorf("%w: module speaks ABI version %d, this host speaks %d", ErrInvalidModule, v, ABIVersion)
	}
	m.abiVersion = ABIVersion
	return m, nil
}

// compileGuarded compiles a module, turning a panic inside wazero into an
// error: a module wazero has a bug for must be refused, not crash the host.
// The compiler's state for this module is discarded with it.
func compileGuarded(ctx context.Context, rt wazero.Runtime, wasm []byte) (c wazero.CompiledModule, err error) {
	defer func() {
		if v := recover(); v != nil {
			c, err = nil, fmt.Errorf("the compiler failed on it: %v", v)
		}
	}()
	return rt.CompileModule(ctx, wasm)
}

const (
	exportMemory     = "memory"
	exportABIVersion = "synod_abi_version"
	exportAlloc      = "synod_alloc"
	exportUpdate     = "synod_update"
	exportQuery      = "synod_query"
)

type signature struct {
	params, results []api.ValueType
}

var requiredExports = map[string]signature{
	exportABIVersion: {nil, []api.ValueType{i32}},
	exportAlloc:      {[]api.ValueType{i32}, []api.ValueType{i32}},
	exportUpdate:     {[]api.ValueType{i32, i32}, []api.ValueType{i32}},
	exportQuery:      {[]api.ValueType{i32, i32}, []api.ValueType{i32}},
}

func checkExports(c wazero.CompiledModule) error {
	if _, ok := c.ExportedFunctions()["_start"]; ok {
		return fmt.Errorf("%w: it exports _start, so it is a WASI command; build a reactor instead (standard Go: -buildmode=c-shared)", ErrInvalidModule)
	}
	if _, ok := c.ExportedMemories()[exportMemory]; !ok {
		return fmt.Errorf("%w: it does not export its memory as %q", ErrInvalidModule, exportMemory)
	}
	funcs := c.ExportedFunctions()
	for _, name := range []string{exportABIVersion, exportAlloc, exportUpdate, exportQuery} {
		want := requiredExports[name]
		def, ok := funcs[name]
		if !ok {
			return fmt.Errorf("%w: required export %q is missing (see docs/abi.md)", ErrInvalidModule, name)
		}
		if !slices.Equal(def.ParamTypes(), want.params) || !slices.Equal(def.ResultTypes(), want.results) {
			return fmt.Errorf("%w: export %q has signature %s, want %s", ErrInvalidModule, name,
				formatSig(def.ParamTypes(), def.ResultTypes()), formatSig(want.params, want.results))
		}
	}
	return nil
}

// wasiFunctions are the WASI functions a module may import: what the
// standard Go and Rust toolchains' runtimes use, without files or sockets.
var wasiFunctions = map[string]bool{
	"args_get": true, "args_sizes_get": true, "environ_get": true, "environ_sizes_get": true,
	"clock_res_get": true, "clock_time_get": true, "random_get": true,
	"fd_write": true, "fd_read": true, "fd_close": true, "fd_seek": true,
	"fd_fdstat_get": true, "fd_fdstat_set_flags": true, "fd_prestat_get": true, "fd_prestat_dir_name": true,
	"poll_oneoff": true, "sched_yield": true, "proc_exit": true,
}

// instantiateWASI provides wazero's WASI, except that the functions whose
// work a guest can make large charge fuel for it (see wasi.go), and the
// functions that would change an instance's file descriptors do nothing:
// the host resets an instance's memory and globals between calls (see
// image), not the descriptors, which must therefore never change.
func instantiateWASI(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	exportMeteredWASI(b)
	success := api.GoFunc(func(_ context.Context, stack []uint64) { stack[0] = 0 })
	b.NewFunctionBuilder().WithGoFunction(success, []api.ValueType{i32}, []api.ValueType{i32}).Export("fd_close")
	b.NewFunctionBuilder().WithGoFunction(success, []api.ValueType{i32, i32}, []api.ValueType{i32}).Export("fd_fdstat_set_flags")
	_, err := b.Instantiate(ctx)
	return err
}

func checkImports(c wazero.CompiledModule) error {
	hostSigs := make(map[string]signature)
	for _, f := range hostFunctions() {
		hostSigs[f.name] = signature{f.params, f.results}
	}
	for _, def := range c.ImportedFunctions() {
		module, name, _ := def.Import()
		switch module {
		case wasi_snapshot_preview1.ModuleName:
			if !wasiFunctions[name] {
				return fmt.Errorf("%w: it imports %s.%s; guests have no files or network, and only these WASI functions are provided: %s",
					ErrInvalidModule, module, name, strings.Join(slices.Sorted(maps.Keys(wasiFunctions)), ", "))
			}
		case meter.YieldModule:
			// Imported by the meter, which refuses modules that import
			// from it themselves.
		case hostModuleName:
			want, ok := hostSigs[name]
			if !ok {
				return fmt.Errorf("%w: it imports %s.%s, which the host does not provide", ErrInvalidModule, module, name)
			}
			if !slices.Equal(def.ParamTypes(), want.params) || !slices.Equal(def.ResultTypes(), want.results) {
				return fmt.Errorf("%w: import %s.%s has signature %s, want %s", ErrInvalidModule, module, name,
					formatSig(def.ParamTypes(), def.ResultTypes()), formatSig(want.params, want.results))
			}
		default:
			return fmt.Errorf("%w: it imports %s.%s; only the %q and %q modules are allowed",
				ErrInvalidModule, module, name, hostModuleName, wasi_snapshot_preview1.ModuleName)
		}
	}
	for _, def := range c.ImportedMemories() {
		module, name, _ := def.Import()
		return fmt.Errorf("%w: it imports memory %s.%s; a module must define its own", ErrInvalidModule, module, name)
	}
	return nil
}

func formatSig(params, results []api.ValueType) string {
	name := func(ts []api.ValueType) string {
		s := "("
		for i, t := range ts {
			if i > 0 {
				s += ", "
			}
			s += api.ValueTypeName(t)
		}
		return s + ")"
	}
	return name(params) + " -> " + name(results)
}
