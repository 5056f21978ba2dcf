package wasm

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/synodhq/synod/internal/testwasm"
)

// kvExamples are the kv examples in each guest language: the Go one built
// for the benchmark, the others where make examples builds them.
var kvExamples = []struct{ lang, path string }{
	{"go", ""},
	{"rust", "../../../examples/kv-rust/kv-rust.wasm"},
	{"c", "../../../examples/kv-c/kv-c.wasm"},
	{"assemblyscript", "../../../examples/kv-assemblyscript/kv-assemblyscript.wasm"},
}

// BenchmarkLanguages measures, for the kv example in each guest language
// (in process, on the host's runtime, without Raft or storage): a cold
// compile (upload-time checks and metering included, no on-disk cache),
// an instantiation (with _initialize), and one put and one get of a 64-byte
// value (with the instance reset an update pays). Each reports the
// module's size, and the calls their fuel.
func BenchmarkLanguages(b *testing.B) {
	for _, ex := range kvExamples {
		bin := testwasm.Build(b, testwasm.KV)
		if ex.path != "" {
			var err error
			if bin, err = os.ReadFile(ex.path); err != nil {
				b.Fatalf("the %s kv example: %v (make examples builds it)", ex.lang, err)
			}
		}
		b.Run("lang="+ex.lang+"/op=compile", func(b *testing.B) {
			for b.Loop() {
				rt, err := NewRuntime(b.Context(), Config{CacheDir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := rt.Load(b.Context(), Hash(bin), bin); err != nil {
					b.Fatal(err)
				}
				_ = rt.Close(b.Context())
			}
			b.ReportMetric(float64(len(bin)), "module-bytes")
		})
		m := loadForBench(b, bin)
		b.Run("lang="+ex.lang+"/op=instantiate", func(b *testing.B) {
			for b.Loop() {
				inst, err := m.instantiate(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				_ = inst.mod.Close(b.Context())
			}
		})
		kv := mapKV{}
		val := bytes.Repeat([]byte("v"), 64)
		b.Run("lang="+ex.lang+"/op=put", func(b *testing.B) {
			var fuel uint64
			i := 0
			for b.Loop() {
				cmd := fmt.Appendf(nil, `{"op":"put","key":"key-%08d","value":%q}`, i%1000, val)
				_, f, err := m.Call(b.Context(), Update, cmd, Env{TimeNanos: int64(i + 1)}, kv)
				if err != nil {
					b.Fatal(err)
				}
				fuel, i = f, i+1
			}
			b.ReportMetric(float64(fuel), "fuel/op")
		})
		b.Run("lang="+ex.lang+"/op=get", func(b *testing.B) {
			cmd := []byte(`{"op":"get","key":"key-00000000"}`)
			var fuel uint64
			for b.Loop() {
				out, f, err := m.Call(b.Context(), Query, cmd, Env{TimeNanos: 1}, kv)
				if err != nil || !bytes.Contains(out, val) {
					b.Fatalf("get: %q, %v", out, err)
				}
				fuel = f
			}
			b.ReportMetric(float64(fuel), "fuel/op")
		})
	}
}

// loadForBench loads bin on a runtime that lives as long as b.
func loadForBench(b *testing.B, bin []byte) *Module {
	b.Helper()
	rt, err := NewRuntime(b.Context(), Config{CacheDir: testwasm.CacheDir(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rt.Close(b.Context()) })
	m, err := rt.Load(b.Context(), Hash(bin), bin)
	if err != nil {
		b.Fatal(err)
	}
	return m
}
