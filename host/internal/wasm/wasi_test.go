package wasm_test

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/internal/wasm/meter"
	"github.com/synodhq/synod/internal/outcome"
)

// wasiCall is a guest whose synod_update calls one WASI function with
// args, returns its errno as the status (so that a non-zero errno is an
// application error with that code) and, on success, outputs out bytes of
// memory at 0. data is the memory's content at 0.
func wasiCall(imp wimport, args []int32, out int32, data []byte) []byte {
	var body []byte
	for i, a := range args {
		if imp.params[i] == tI64 {
			body = code(body, i64c(int64(a)))
		} else {
			body = code(body, i32(a))
		}
	}
	update := code(body, call(0), teeLocal(2),
		[]byte{0x04, tI32}, local(2), []byte{0x05}, // if (errno) errno else
		i32(0), i32(out), call(1), i32(0), []byte{opEnd})
	m := guestModule([]wimport{imp, impSetOutput}, update, nil)
	m.funcs[2].locals = []byte{tI32}
	if data != nil {
		m.data = dataAt(0, data)
	}
	return m.bytes()
}

// le32 encodes little-endian uint32s.
func le32(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// subscription encodes a poll_oneoff subscription: user data, event type,
// and the fd (fd_read, fd_write) or the clock's flags.
func subscription(userData byte, typ byte, fdOrFlags uint32) []byte {
	b := make([]byte, 48)
	b[0], b[8] = userData, typ
	if typ == 0 {
		binary.LittleEndian.PutUint16(b[40:], uint16(fdOrFlags))
	} else {
		binary.LittleEndian.PutUint32(b[16:], fdOrFlags)
	}
	return b
}

// event encodes what poll_oneoff answers a subscription with.
func event(userData byte, errno uint16, typ byte) []byte {
	b := make([]byte, 32)
	b[0] = userData
	binary.LittleEndian.PutUint16(b[8:], errno)
	b[10] = typ
	return b
}

// TestWASI checks the WASI functions that Synod implements itself, so
// that they charge fuel for their work: their results are wazero's for an
// instance with an empty stdin, a discarded stdout, a kept stderr and no
// other files.
func TestWASI(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	const mem = 1 << 16
	iov := func(ptr, n uint32) []byte { return le32(ptr, n) }
	tests := []struct {
		name string
		bin  []byte
		// errno is the function's result; when 0, the call outputs want.
		errno uint32
		want  []byte
	}{
		{name: "random_get outside memory", bin: wasiCall(impRandomGet, []int32{mem - 4, 8}, 0, nil), errno: 21},
		{name: "fd_write to a file that does not exist", bin: wasiCall(impFdWrite, []int32{3, 0, 1, 64}, 0, iov(0, 8)), errno: 8},
		{name: "fd_write to stdin", bin: wasiCall(impFdWrite, []int32{0, 0, 1, 64}, 0, iov(0, 8)), errno: 8},
		{name: "fd_write with an iovec outside memory", bin: wasiCall(impFdWrite, []int32{1, 0, 1, 64}, 0, iov(mem-4, 8)), errno: 21},
		{name: "fd_write of iovecs outside memory", bin: wasiCall(impFdWrite, []int32{1, mem - 8, 2, 64}, 0, nil), errno: 21},
		{
			// 8 + 3 bytes; the count goes to 16, after the iovecs.
			name: "fd_write to stdout",
			bin:  wasiCall(impFdWrite, []int32{1, 0, 2, 16}, 20, append(iov(0, 8), iov(4, 3)...)),
			want: append(append(iov(0, 8), iov(4, 3)...), le32(11)...),
		},
		{name: "fd_write to stderr", bin: wasiCall(impFdWrite, []int32{2, 0, 1, 8}, 12, iov(0, 5)), want: append(iov(0, 5), le32(5)...)},
		{name: "fd_read from stdin: the end", bin: wasiCall(impFdRead, []int32{0, 0, 1, 8}, 12, iov(0, 4)), want: append(iov(0, 4), le32(0)...)},
		{name: "fd_read from stdout", bin: wasiCall(impFdRead, []int32{1, 0, 1, 8}, 0, iov(0, 4)), errno: 8},
		{name: "fd_read passes over empty iovecs, outside memory or not", bin: wasiCall(impFdRead, []int32{1, 0, 1, 8}, 12, iov(mem+8, 0)), want: append(iov(mem+8, 0), le32(0)...)},
		{name: "poll_oneoff of nothing", bin: wasiCall(impPollOneoff, []int32{0, 1024, 0, 2048}, 0, nil), errno: 28},
		{name: "poll_oneoff of an absolute clock", bin: wasiCall(impPollOneoff, []int32{0, 1024, 1, 2048}, 0, subscription(1, 0, 1)), errno: 58},
		{name: "poll_oneoff of an unknown event", bin: wasiCall(impPollOneoff, []int32{0, 1024, 1, 2048}, 0, subscription(1, 7, 0)), errno: 28},
		{name: "poll_oneoff outside memory", bin: wasiCall(impPollOneoff, []int32{0, mem - 32, 2, 2048}, 0, nil), errno: 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := load(t, rt, tt.bin)
			out, _, err := m.Call(t.Context(), wasm.Update, nil, wasm.Env{}, newMemKV())
			if tt.errno != 0 {
				want := &outcome.AppError{Code: tt.errno, Message: fmt.Sprintf("module returned status %d without calling set_error", tt.errno)}
				expect{appErr: want}.check(t, out, err)
				return
			}
			if err != nil {
				t.Fatalf("got %v, want success", err)
			}
			if tt.want != nil && string(out[:len(tt.want)]) != string(tt.want) {
				t.Errorf("memory afterwards: got %x, want %x", out[:len(tt.want)], tt.want)
			}
		})
	}
	// Events come in the order of the subscriptions, fd_read last.
	t.Run("poll_oneoff's events", func(t *testing.T) {
		t.Parallel()
		subs := code(subscription(1, 1, 0), subscription(2, 0, 0), subscription(3, 2, 1), subscription(4, 2, 9))
		m := load(t, rt, wasiCall(impPollOneoff, []int32{0, 256, 4, 240}, 384, subs))
		out, _, err := m.Call(t.Context(), wasm.Update, nil, wasm.Env{}, newMemKV())
		if err != nil {
			t.Fatalf("poll_oneoff: %v", err)
		}
		want := code(event(2, 0, 0), event(3, 58, 2), event(4, 8, 2), event(1, 0, 1))
		if got := out[256 : 256+128]; string(got) != string(want) {
			t.Errorf("events: got %x, want %x", got, want)
		}
		if n := binary.LittleEndian.Uint32(out[240:]); n != 4 {
			t.Errorf("event count: got %d, want 4", n)
		}
	})
}

// TestWASIFuel checks the fuel a call of random_get uses, exactly:
// synod_alloc's constant (1); in synod_update, two constants and the call
// of random_get with HostCallFuel, local.tee and if, two constants and the
// call of set_output with HostCallFuel, and a constant; set_output's 250
// (of no bytes); and 2 per byte random_get generates.
func TestWASIFuel(t *testing.T) {
	t.Parallel()
	m := load(t, newRuntime(t, wasm.Config{}), wasiCall(impRandomGet, []int32{0, 1000}, 0, nil))
	_, fuel, err := m.Call(t.Context(), wasm.Update, nil, wasm.Env{}, newMemKV())
	if err != nil {
		t.Fatalf("random_get: %v", err)
	}
	hostCall := 2 + 1 + meter.HostCallFuel
	if want := uint64(1 + hostCall + 2 + hostCall + 1 + 250 + 2*1000); fuel != want {
		t.Errorf("used %d fuel, want %d", fuel, want)
	}
}
