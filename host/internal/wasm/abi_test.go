package wasm_test

import (
	"encoding/binary"
	"maps"
	"testing"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/outcome"
)

// TestABI runs hand-written modules that use the synod imports exactly as
// docs/abi.md describes them, and that break its rules one at a time.
func TestABI(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	const (
		page = 1 << 16 // the test modules' memory size
		buf  = 2048    // a scratch buffer inside it, after allocPtr
	)
	// Parameters of synod_update and synod_query: the request.
	reqPtr, reqLen := local(0), local(1)
	scanEncoding := func(kvs ...string) string {
		var b []byte
		for i := 0; i < len(kvs); i += 2 {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(kvs[i])))
			b = append(b, kvs[i]...)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(kvs[i+1])))
			b = append(b, kvs[i+1]...)
		}
		return string(b)
	}
	abc := []string{"a", "1", "b", "22", "c", "333"}
	tests := []struct {
		name    string
		imports []wimport
		// update and query are the bodies of the entry points; alloc, if
		// set, replaces synod_alloc's.
		update, query, alloc []byte
		entry                wasm.Entry
		kv                   []string // the store's entries before the call
		in                   string
		want                 expect
		// wantKV is the store afterwards; nil means unchanged.
		wantKV map[string]string
	}{
		{
			name:    "set_output returns the request",
			imports: []wimport{impSetOutput},
			update:  code(reqPtr, reqLen, call(0), i32(0)),
			in:      "hello",
			want:    expect{out: "hello"},
		},
		{
			name:    "the last set_output wins",
			imports: []wimport{impSetOutput},
			update:  code(reqPtr, reqLen, call(0), reqPtr, i32(1), call(0), i32(0)),
			in:      "hello",
			want:    expect{out: "h"},
		},
		{
			name:   "no set_output is an empty result",
			update: i32(0),
			in:     "hello",
			want:   expect{out: ""},
		},
		{
			name:    "an empty request",
			imports: []wimport{impSetOutput},
			update:  code(reqPtr, reqLen, call(0), i32(0)),
			want:    expect{out: ""},
		},
		{
			name:    "set_error gives the code and message",
			imports: []wimport{impSetError},
			update:  code(i32(42), reqPtr, reqLen, call(0), i32(1)),
			in:      "no such thing",
			want:    expect{appErr: &outcome.AppError{Code: 42, Message: "no such thing"}},
		},
		{
			name:    "an application error discards the output",
			imports: []wimport{impSetOutput},
			update:  code(reqPtr, reqLen, call(0), i32(3)),
			in:      "hello",
			want:    expect{appErr: &outcome.AppError{Code: 3, Message: "module returned status 3 without calling set_error"}},
		},
		{
			name:   "a negative status without set_error",
			update: i32(-1),
			want:   expect{appErr: &outcome.AppError{Code: 0xFFFFFFFF, Message: "module returned status -1 without calling set_error"}},
		},
		{
			name:    "query answers through set_output",
			imports: []wimport{impSetOutput},
			query:   code(reqPtr, reqLen, call(0), i32(0)),
			update:  i32(1),
			entry:   wasm.Query,
			in:      "from query",
			want:    expect{out: "from query"},
		},
		{
			// The result of kv_get is observed as the code of set_error.
			name:    "kv_get of an absent key is -1",
			imports: []wimport{impKVGet, impSetError},
			update:  code(reqPtr, reqLen, i32(buf), i32(16), call(0), i32(0), i32(0), call(1), i32(1)),
			in:      "k",
			want:    expect{appErr: &outcome.AppError{Code: 0xFFFFFFFF}},
		},
		{
			name:    "kv_get returns the length even when the buffer is short",
			imports: []wimport{impKVGet, impSetError},
			update:  code(reqPtr, reqLen, i32(buf), i32(2), call(0), i32(0), i32(0), call(1), i32(1)),
			kv:      []string{"k", "value"},
			in:      "k",
			want:    expect{appErr: &outcome.AppError{Code: 5}},
		},
		{
			name:    "kv_get copies the value when it fits",
			imports: []wimport{impKVGet, impSetOutput},
			update:  code(i32(buf), reqPtr, reqLen, i32(buf), i32(5), call(0), call(1), i32(0)),
			kv:      []string{"k", "value"},
			in:      "k",
			want:    expect{out: "value"},
		},
		{
			name:    "kv_get copies nothing when the buffer is short",
			imports: []wimport{impKVGet, impSetOutput},
			update:  code(reqPtr, reqLen, i32(buf), i32(4), call(0), []byte{opDrop}, i32(buf), i32(5), call(1), i32(0)),
			kv:      []string{"k", "value"},
			in:      "k",
			want:    expect{out: "\x00\x00\x00\x00\x00"},
		},
		{
			name:    "a query reads",
			imports: []wimport{impKVGet, impSetOutput},
			query:   code(i32(buf), reqPtr, reqLen, i32(buf), i32(16), call(0), call(1), i32(0)),
			entry:   wasm.Query,
			kv:      []string{"k", "value"},
			in:      "k",
			want:    expect{out: "value"},
		},
		{
			name:    "kv_set and kv_delete write to the store",
			imports: []wimport{impKVSet, impKVDelete},
			// request "kvd": set k = v, delete d
			update: code(reqPtr, i32(1), i32(allocPtr+1), i32(1), call(0), i32(allocPtr+2), i32(1), call(1), i32(0)),
			kv:     []string{"d", "old", "e", "kept"},
			in:     "kvd",
			want:   expect{out: ""},
			wantKV: map[string]string{"k": "v", "e": "kept"},
		},
		{
			name:    "kv_delete of an absent key",
			imports: []wimport{impKVDelete},
			update:  code(reqPtr, reqLen, call(0), i32(0)),
			kv:      []string{"a", "1"},
			in:      "zz",
			want:    expect{out: ""},
		},
		{
			name:    "kv_scan of everything, in order, limited",
			imports: []wimport{impKVScan, impSetOutput},
			update:  code(i32(buf), i32(0), i32(0), i32(0), i32(0), i32(2), i32(buf), i32(4096), call(0), call(1), i32(0)),
			kv:      abc,
			want:    expect{out: scanEncoding("a", "1", "b", "22")},
		},
		{
			name:    "kv_scan of [start, end)",
			imports: []wimport{impKVScan, impSetOutput},
			// request "bc": start "b", end "c"
			update: code(i32(buf), reqPtr, i32(1), i32(allocPtr+1), i32(1), i32(10), i32(buf), i32(4096), call(0), call(1), i32(0)),
			kv:     abc,
			in:     "bc",
			want:   expect{out: scanEncoding("b", "22")},
		},
		{
			name:    "kv_scan with a negative limit returns everything",
			imports: []wimport{impKVScan, impSetOutput},
			update:  code(i32(buf), i32(0), i32(0), i32(0), i32(0), i32(-1), i32(buf), i32(4096), call(0), call(1), i32(0)),
			kv:      abc,
			want:    expect{out: scanEncoding(abc...)},
		},
		{
			name:    "kv_scan returns the length even when the buffer is short",
			imports: []wimport{impKVScan, impSetError},
			update:  code(i32(0), i32(0), i32(0), i32(0), i32(0), i32(buf), i32(1), call(0), i32(0), i32(0), call(1), i32(1)),
			kv:      abc,
			want:    expect{appErr: &outcome.AppError{Code: uint32(len(scanEncoding(abc...)))}},
		},
		{
			name:    "kv_scan of nothing",
			imports: []wimport{impKVScan, impSetError},
			update:  code(i32(0), i32(0), i32(0), i32(0), i32(0), i32(buf), i32(1), call(0), i32(0), i32(0), call(1), i32(1)),
			want:    expect{appErr: &outcome.AppError{Code: 0}},
		},

		// Violations: every one is a trap that names the problem.
		{
			name:    "kv_set from a query",
			imports: []wimport{impKVSet},
			query:   code(reqPtr, reqLen, reqPtr, reqLen, call(0), i32(0)),
			entry:   wasm.Query,
			in:      "k",
			want:    expect{trap: "kv_set called from a query: queries are read-only"},
		},
		{
			name:    "kv_delete from a query",
			imports: []wimport{impKVDelete},
			query:   code(reqPtr, reqLen, call(0), i32(0)),
			entry:   wasm.Query,
			kv:      []string{"k", "v"},
			in:      "k",
			want:    expect{trap: "kv_delete called from a query: queries are read-only"},
		},
		{
			name:    "kv_set of an empty key",
			imports: []wimport{impKVSet},
			update:  code(reqPtr, i32(0), reqPtr, reqLen, call(0), i32(0)),
			in:      "v",
			want:    expect{trap: "empty key"},
		},
		{
			name:    "kv_get of an empty key",
			imports: []wimport{impKVGet},
			update:  code(reqPtr, i32(0), i32(buf), i32(16), call(0)),
			want:    expect{trap: "empty key"},
		},
		{
			name:    "kv_delete of an empty key",
			imports: []wimport{impKVDelete},
			update:  code(reqPtr, i32(0), call(0), i32(0)),
			want:    expect{trap: "empty key"},
		},
		{
			name:    "a key over the limit",
			imports: []wimport{impKVSet},
			update:  code(i32(0), i32(wasm.MaxKeyBytes+1), i32(0), i32(1), call(0), i32(0)),
			want:    expect{trap: "key of 4097 bytes is over the limit of 4096"},
		},
		{
			name:    "a key at the limit",
			imports: []wimport{impKVSet},
			update:  code(i32(0), i32(wasm.MaxKeyBytes), i32(0), i32(0), call(0), i32(0)),
			want:    expect{out: ""},
			wantKV:  map[string]string{string(make([]byte, wasm.MaxKeyBytes)): ""},
		},
		{
			name:    "a key outside memory",
			imports: []wimport{impKVGet},
			update:  code(i32(page-10), i32(100), i32(0), i32(0), call(0)),
			want:    expect{trap: "key at [65526, 65626) is outside memory"},
		},
		{
			name:    "a value over the limit",
			imports: []wimport{impKVSet},
			update:  code(reqPtr, reqLen, i32(0), i32(wasm.MaxValueBytes+1), call(0), i32(0)),
			in:      "k",
			want:    expect{trap: "value of 1048577 bytes is over the limit of 1048576"},
		},
		{
			name:    "a value outside memory",
			imports: []wimport{impKVSet},
			update:  code(reqPtr, reqLen, i32(page-1), i32(2), call(0), i32(0)),
			in:      "k",
			want:    expect{trap: "value at [65535, 65537) is outside memory"},
		},
		{
			name:    "kv_get into a buffer outside memory",
			imports: []wimport{impKVGet},
			update:  code(reqPtr, reqLen, i32(page), i32(16), call(0)),
			kv:      []string{"k", "v"},
			in:      "k",
			want:    expect{trap: "buffer at [65536, 65537) is outside memory"},
		},
		{
			name:    "kv_scan into a buffer outside memory",
			imports: []wimport{impKVScan},
			update:  code(i32(0), i32(0), i32(0), i32(0), i32(0), i32(page-4), i32(100), call(0)),
			kv:      []string{"k", "v"},
			want:    expect{trap: "buffer at [65532, 65542) is outside memory"},
		},
		{
			name:    "a scan start over the limit",
			imports: []wimport{impKVScan},
			update:  code(i32(0), i32(wasm.MaxKeyBytes+1), i32(0), i32(0), i32(0), i32(buf), i32(0), call(0)),
			want:    expect{trap: "scan start of 4097 bytes is over the limit of 4096"},
		},
		{
			name:    "a scan end outside memory",
			imports: []wimport{impKVScan},
			update:  code(i32(0), i32(0), i32(page), i32(1), i32(0), i32(buf), i32(0), call(0)),
			want:    expect{trap: "scan end at [65536, 65537) is outside memory"},
		},
		{
			name:    "an output over the limit",
			imports: []wimport{impSetOutput},
			update:  code(i32(0), i32(wasm.MaxOutputBytes+1), call(0), i32(0)),
			want:    expect{trap: "output of 4194305 bytes is over the limit of 4194304"},
		},
		{
			name:    "an output outside memory",
			imports: []wimport{impSetOutput},
			update:  code(i32(page-1), i32(2), call(0), i32(0)),
			want:    expect{trap: "output at [65535, 65537) is outside memory"},
		},
		{
			name:    "an error message outside memory",
			imports: []wimport{impSetError},
			update:  code(i32(1), i32(-1), i32(1), call(0), i32(1)),
			want:    expect{trap: "error message at [4294967295, 4294967296) is outside memory"},
		},
		{
			name:   "synod_alloc returns a pointer outside memory",
			alloc:  i32(page),
			update: i32(0),
			in:     "x",
			want:   expect{trap: "synod_alloc(1) returned 65536, outside memory"},
		},
		{
			name:   "unreachable",
			update: []byte{opUnreachable},
			want:   expect{trap: "unreachable"},
		},
		{
			name:  "a trap in a query",
			query: []byte{opUnreachable},
			entry: wasm.Query,
			want:  expect{trap: "unreachable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := guestModule(tt.imports, tt.update, tt.query)
			if tt.alloc != nil {
				m = withFunc(m, "synod_alloc", wfunc{params: []byte{tI32}, results: []byte{tI32}, body: tt.alloc})
			}
			mod := load(t, rt, m.bytes())
			kv := newMemKV(tt.kv...)
			before := maps.Clone(kv.data)
			out, _, err := mod.Call(t.Context(), tt.entry, []byte(tt.in), wasm.Env{}, kv)
			tt.want.check(t, out, err)
			want := tt.wantKV
			if want == nil {
				want = before
			}
			if !maps.Equal(kv.data, want) {
				t.Errorf("store afterwards: got %q, want %q", kv.data, want)
			}
		})
	}
}
