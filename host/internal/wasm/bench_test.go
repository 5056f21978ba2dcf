package wasm

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/internal/testwasm"
)

// mapKV is a minimal in-memory KV for benchmarks.
type mapKV map[string][]byte

func (m mapKV) Get(k []byte) ([]byte, bool, error) { v, ok := m[string(k)]; return v, ok, nil }
func (m mapKV) Set(k, v []byte) error              { m[string(k)] = bytes.Clone(v); return nil }
func (m mapKV) Delete(k []byte) error              { delete(m, string(k)); return nil }
func (m mapKV) Scan(start, end []byte, limit int) ([]store.KV, error) {
	var keys []string
	for k := range m {
		if k >= string(start) && (len(end) == 0 || k < string(end)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []store.KV
	for _, k := range keys[:min(limit, len(keys))] {
		out = append(out, store.KV{Key: []byte(k), Value: m[k]})
	}
	return out, nil
}

// BenchmarkCallPut measures one kv put through Module.Call: the per-entry
// cost of running a guest on every replica.
func BenchmarkCallPut(b *testing.B) {
	ctx := b.Context()
	rt, err := NewRuntime(ctx, Config{CacheDir: testwasm.CacheDir(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(ctx)
	bin := testwasm.Build(b, testwasm.KV)
	m, err := rt.Load(ctx, Hash(bin), bin)
	if err != nil {
		b.Fatal(err)
	}
	kv := mapKV{}
	val := bytes.Repeat([]byte("v"), 64)
	b.ResetTimer()
	for i := range b.N {
		cmd := fmt.Appendf(nil, `{"op":"put","key":"key-%08d","value":%q}`, i%1000, val)
		if _, _, err := m.Call(ctx, Update, cmd, Env{TimeNanos: int64(i + 1)}, kv); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCallGet(b *testing.B) {
	ctx := b.Context()
	rt, _ := NewRuntime(ctx, Config{CacheDir: testwasm.CacheDir(b)})
	defer rt.Close(ctx)
	bin := testwasm.Build(b, testwasm.KV)
	m, _ := rt.Load(ctx, Hash(bin), bin)
	kv := mapKV{"a": []byte("1")}
	cmd := []byte(`{"op":"get","key":"a"}`)
	b.ResetTimer()
	for range b.N {
		if _, _, err := m.Call(ctx, Query, cmd, Env{TimeNanos: 1}, kv); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrecheck measures the structural pre-check of an upload, on the
// kv example (a few MB, as Go guests are).
func BenchmarkPrecheck(b *testing.B) {
	bin := testwasm.Build(b, testwasm.KV)
	b.SetBytes(int64(len(bin)))
	b.ReportAllocs()
	for b.Loop() {
		if err := precheck(bin); err != nil {
			b.Fatal(err)
		}
	}
}
