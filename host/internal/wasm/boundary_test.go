package wasm_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/testwasm"
)

// rawCall encodes the argument of the probe's "raw" op: a host function
// and its arguments.
func rawCall(fn byte, args ...uint32) []byte {
	b := []byte{fn}
	for _, a := range args {
		b = binary.LittleEndian.AppendUint32(b, a)
	}
	return b
}

// FuzzHostCalls calls the host functions with arbitrary pointers, lengths
// and counts through the probe guest. Whatever the arguments, the host
// neither fails nor panics: each call succeeds or ends in a clean trap or
// application error. And it is deterministic: two runtimes given the same
// calls give the same results and the same writes.
func FuzzHostCalls(f *testing.F) {
	const memTop = 1 << 30
	f.Add(rawCall(0, 0, 4, 0, 16))                   // kv_get of low memory
	f.Add(rawCall(0, memTop, 4, 0, 16))              // key out of bounds
	f.Add(rawCall(0, 0, 4, memTop-2, 16))            // buffer past the end
	f.Add(rawCall(1, 0, 5000, 0, 10))                // a key over the limit
	f.Add(rawCall(1, 0, 3, 0, 0xFFFFFFFF))           // a huge value length
	f.Add(rawCall(2, 0xFFFFFFF0, 0x20))              // delete wrapping around
	f.Add(rawCall(3, 0, 1, 0, 0, 0xFFFFFFFF, 0, 64)) // scan, negative limit
	f.Add(rawCall(3, 0, 0, 0, 0, 5, memTop, 1<<20))  // scan into nowhere
	f.Add(rawCall(4, 0xFFFFFFFF, 2))                 // output past the end
	f.Add(rawCall(5, 7, 0, 1<<31))                   // a huge error message
	bin := testwasm.Build(f, probe)
	var mods [2]*wasm.Module
	for i := range mods {
		rt, err := wasm.NewRuntime(f.Context(), wasm.Config{CacheDir: testwasm.CacheDir(f), PoolSize: 1})
		if err != nil {
			f.Fatalf("runtime: %v", err)
		}
		f.Cleanup(func() { _ = rt.Close(context.Background()) })
		m, err := rt.Load(f.Context(), wasm.Hash(bin), bin)
		if err != nil {
			f.Fatalf("load: %v", err)
		}
		mods[i] = m
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var results [2]string
		var stores [2]map[string]string
		for i, m := range mods {
			kv := newMemKV("a", "1", "b", "2")
			out, _, err := m.Call(t.Context(), wasm.Update, append([]byte("raw "), in...), wasm.Env{}, kv)
			var ae *outcome.AppError
			var trap *outcome.Trap
			if err != nil && !errors.As(err, &ae) && !errors.As(err, &trap) {
				t.Fatalf("call %x: a host failure, not a trap or application error: %v", in, err)
			}
			results[i], stores[i] = fmt.Sprintf("%q %v", out, err), kv.data
		}
		if results[0] != results[1] || !maps.Equal(stores[0], stores[1]) {
			t.Fatalf("call %x: two runtimes disagree:\n%s %v\n%s %v", in, results[0], stores[0], results[1], stores[1])
		}
	})
}
