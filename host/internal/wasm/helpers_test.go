package wasm_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/testwasm"
)

// probe is the test guest of testdata/probe.
const probe = "github.com/synodhq/synod/host/internal/wasm/testdata/probe"

// newRuntime returns a runtime closed at the end of the test, with the
// compilation cache that every test shares unless cfg names another.
func newRuntime(t *testing.T, cfg wasm.Config) *wasm.Runtime {
	t.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = testwasm.CacheDir(t)
	}
	rt, err := wasm.NewRuntime(t.Context(), cfg)
	if err != nil {
		t.Fatalf("NewRuntime: %v", err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

// loading serialises the loads of one module (by hash) across runtimes,
// so that parallel tests compile it once and then read the cache.
var loading sync.Map

// load loads bin into rt.
func load(t *testing.T, rt *wasm.Runtime, bin []byte) *wasm.Module {
	t.Helper()
	hash := wasm.Hash(bin)
	mu, _ := loading.LoadOrStore(hash, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	m, err := rt.Load(t.Context(), hash, bin)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m
}

// memKV is the test's store: a map with sorted scans, implementing
// [wasm.KV] with the store's semantics.
type memKV struct {
	data map[string]string
	// onGet, if set, runs at the start of every Get; an error it returns
	// is Get's.
	onGet func(key string) error
}

func newMemKV(kvs ...string) *memKV {
	m := &memKV{data: make(map[string]string)}
	for i := 0; i+1 < len(kvs); i += 2 {
		m.data[kvs[i]] = kvs[i+1]
	}
	return m
}

func (m *memKV) Get(key []byte) ([]byte, bool, error) {
	if m.onGet != nil {
		if err := m.onGet(string(key)); err != nil {
			return nil, false, err
		}
	}
	v, ok := m.data[string(key)]
	if !ok {
		return nil, false, nil
	}
	return []byte(v), true, nil
}

func (m *memKV) Scan(start, end []byte, limit int) ([]store.KV, error) {
	var keys []string
	for k := range m.data {
		if k >= string(start) && (len(end) == 0 || k < string(end)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []store.KV
	for _, k := range keys[:min(limit, len(keys))] {
		out = append(out, store.KV{Key: []byte(k), Value: []byte(m.data[k])})
	}
	return out, nil
}

func (m *memKV) Set(key, value []byte) error {
	m.data[string(key)] = string(value)
	return nil
}

func (m *memKV) Delete(key []byte) error {
	delete(m.data, string(key))
	return nil
}

// expect describes what a call must return: exactly one of the fields
// that are set, or success with out when neither appErr nor trap is set.
type expect struct {
	out    string
	appErr *outcome.AppError
	// trap is a substring of the trap's reason.
	trap string
}

// check compares a call's result with want.
func (want expect) check(t *testing.T, out []byte, err error) {
	t.Helper()
	var ae *outcome.AppError
	var trap *outcome.Trap
	switch {
	case want.appErr != nil:
		if !errors.As(err, &ae) {
			t.Fatalf("got (%q, %v), want application error %+v", out, err, *want.appErr)
		}
		if *ae != *want.appErr {
			t.Errorf("got application error %+v, want %+v", *ae, *want.appErr)
		}
	case want.trap != "":
		if !errors.As(err, &trap) {
			t.Fatalf("got (%q, %v), want a trap saying %q", out, err, want.trap)
		}
		if !strings.Contains(trap.Reason, want.trap) {
			t.Errorf("got trap %q, want it to say %q", trap.Reason, want.trap)
		}
	default:
		if err != nil {
			t.Fatalf("got error %v, want %q", err, want.out)
		}
		if string(out) != want.out {
			t.Errorf("got output %q, want %q", out, want.out)
		}
		return
	}
	if out != nil {
		t.Errorf("got output %q with error %v, want none", out, err)
	}
}

// refusedValidate validates bin, which must be refused with an
// ErrInvalidModule saying want, and returns what validating it allocated
// and how long it took.
func refusedValidate(t *testing.T, rt *wasm.Runtime, bin []byte, want string) (alloc uint64, took time.Duration) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := rt.Validate(t.Context(), bin)
	took = time.Since(start)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, wasm.ErrInvalidModule) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want an ErrInvalidModule saying %q", err, want)
	}
	return after.TotalAlloc - before.TotalAlloc, took
}
