package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Module is a compiled, validated module with a pool of idle instances.
type Module struct {
	hash       string
	abiVersion uint32
	rt         *Runtime
	compiled   wazero.CompiledModule

	mu   sync.Mutex
	idle []*instance
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
// output. A guest failure is returned as an [*AppError] or a [*Trap]; any
// other error is the host's own (for example a storage failure) and says
// nothing about the guest. On any error the caller must discard the call's
// writes.
func (m *Module) Call(ctx context.Context, entry Entry, input []byte, env Env, kv KV) ([]byte, error) {
	inst, err := m.get(ctx)
	if err != nil {
		return nil, err
	}
	inst.env.set(env)
	inst.stderr.reset()
	st := &callState{kv: kv, readOnly: entry == Query}
	out, err := inst.call(context.WithValue(ctx, callKey{}, st), entry, input, st)
	if err != nil && ctx.Err() != nil {
		// Interrupted by the host (shutdown or the caller's deadline): not a
		// property of the entry, so it must not be recorded as its outcome.
		_ = inst.mod.Close(ctx)
		return nil, fmt.Errorf("guest call interrupted: %w", ctx.Err())
	}
	var trap *Trap
	if errors.As(err, &trap) {
		// A Go guest's panic message is on its stderr: the best reason.
		if line := inst.stderr.firstLine(); line != "" {
			trap.Reason += " (" + line + ")"
		}
	}
	if trap != nil || (err != nil && !isAppError(err)) {
		_ = inst.mod.Close(ctx)
		return nil, err
	}
	m.put(inst)
	return out, err
}

func isAppError(err error) bool {
	var ae *AppError
	return errors.As(err, &ae)
}

func (m *Module) get(ctx context.Context) (*instance, error) {
	m.mu.Lock()
	if n := len(m.idle); n > 0 {
		inst := m.idle[n-1]
		m.idle = m.idle[:n-1]
		m.mu.Unlock()
		return inst, nil
	}
	m.mu.Unlock()
	inst, err := m.instantiate(ctx)
	if err != nil {
		return nil, fmt.Errorf("instantiate module %s: %w", m.hash, err)
	}
	return inst, nil
}

func (m *Module) put(inst *instance) {
	m.mu.Lock()
	if len(m.idle) < m.rt.cfg.PoolSize {
		m.idle = append(m.idle, inst)
		inst = nil
	}
	m.mu.Unlock()
	if inst != nil {
		_ = inst.mod.Close(context.Background())
	}
}

// instance is one instantiated module. It serves one call at a time.
type instance struct {
	mod    api.Module
	env    *detEnv
	stderr *stderrTail
	alloc  api.Function
	update api.Function
	query  api.Function
}

func (m *Module) instantiate(ctx context.Context) (*instance, error) {
	env := newDetEnv()
	stderr := &stderrTail{}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions("_initialize").
		WithStdout(io.Discard).
		WithStderr(stderr).
		WithWalltime(env.walltime, 1).
		WithNanotime(env.nanotime, 1).
		WithNanosleep(func(int64) {}).
		WithOsyield(func() {}).
		WithRandSource(env)
	mod, err := m.rt.rt.InstantiateModule(ctx, m.compiled, cfg)
	if err != nil {
		return nil, err
	}
	return &instance{
		mod:    mod,
		env:    env,
		stderr: stderr,
		alloc:  mod.ExportedFunction(exportAlloc),
		update: mod.ExportedFunction(exportUpdate),
		query:  mod.ExportedFunction(exportQuery),
	}, nil
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
		return nil, &Trap{Reason: fmt.Sprintf("synod_alloc(%d) returned %d, outside memory", len(input), ptr)}
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
			st.appErr = &AppError{Code: uint32(status), Message: fmt.Sprintf("module returned status %d without calling set_error", status)}
		}
		return nil, st.appErr
	}
	return st.output, nil
}

// classify turns an error out of wazero into a [*Trap], unless it is a
// host failure or an error that is already classified.
func classify(err error) error {
	var hf *hostFailure
	if errors.As(err, &hf) {
		return fmt.Errorf("host failure during guest call: %w", hf.err)
	}
	var trap *Trap
	if isAppError(err) || errors.As(err, &trap) {
		return err
	}
	var v *abiViolation
	if errors.As(err, &v) {
		return &Trap{Reason: v.reason}
	}
	return &Trap{Reason: firstLine(err)}
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

// Read implements io.Reader for the WASI random source.
func (e *detEnv) Read(p []byte) (int, error) {
	return e.rng.Read(p)
}

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
