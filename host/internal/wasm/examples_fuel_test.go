package wasm_test

import (
	"testing"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/testwasm"
)

// TestExampleFuel checks that the example modules stay cheap: each update
// below must use at most its bound. Updates start from the same instance
// state every time, so their fuel is the same on every run and a bound is
// exact, not a timing. docs/abi.md ("What a guest's fuel goes to") quotes
// these figures; the counter's add used 411,493 while it decoded and encoded
// JSON with encoding/json, and a kv put 26,234 while the SDK allocated a
// buffer for each request (sdk/guest/RATIONALE.md, "Memory").
func TestExampleFuel(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	tests := []struct {
		name  string
		pkg   string
		store []string // key, value, ... before the call
		cmd   string
		want  string
		max   uint64
	}{
		{name: "kv put", pkg: testwasm.KV, cmd: `{"op":"put","key":"a","value":"1"}`, want: `{"ok":true}`, max: 20_000},
		{name: "kv get", pkg: testwasm.KV, store: []string{"a", "1"}, cmd: `{"op":"get","key":"a"}`, want: `{"key":"a","value":"1","found":true}`, max: 40_000},
		{name: "counter first add", pkg: testwasm.Counter, cmd: "", want: "1", max: 20_000},
		{name: "counter add", pkg: testwasm.Counter, store: []string{"count", "40"}, cmd: "2", want: "42", max: 20_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := load(t, rt, testwasm.Build(t, tt.pkg))
			out, fuel, err := m.Call(t.Context(), wasm.Update, []byte(tt.cmd), wasm.Env{}, newMemKV(tt.store...))
			if err != nil || string(out) != tt.want {
				t.Fatalf("Call(%q) = %q, %v; want %q", tt.cmd, out, err, tt.want)
			}
			t.Logf("fuel used: %d", fuel)
			if fuel > tt.max {
				t.Errorf("fuel used: %d, want at most %d", fuel, tt.max)
			}
		})
	}
}
