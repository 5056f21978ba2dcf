package leb_test

import (
	"testing"

	"github.com/synodhq/synod/host/internal/wasm/leb"
)

func TestU32(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		v    uint32
		n    int
	}{
		{name: "one byte", in: []byte{0x05, 0xff}, v: 5, n: 1},
		{name: "padded zero", in: []byte{0x80, 0x00}, v: 0, n: 2},
		{name: "max", in: []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, v: 1<<32 - 1, n: 5},
		{name: "unused bits of the fifth byte set", in: []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, n: -1},
		{name: "six bytes", in: []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, n: -1},
		{name: "truncated", in: []byte{0x80, 0x80}, n: 0},
		{name: "empty", in: nil, n: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if v, n := leb.U32(tt.in); v != tt.v || n != tt.n {
				t.Errorf("U32(%x) = (%d, %d), want (%d, %d)", tt.in, v, n, tt.v, tt.n)
			}
		})
	}
}

func TestAppendRoundTrip(t *testing.T) {
	t.Parallel()
	for _, v := range []uint32{0, 1, 127, 128, 1 << 20, 1<<32 - 1} {
		if got, n := leb.U32(leb.AppendU32(nil, v)); got != v || n != len(leb.AppendU32(nil, v)) {
			t.Errorf("U32(AppendU32(%d)) = (%d, %d)", v, got, n)
		}
	}
	for _, tt := range []struct {
		v    int64
		want []byte
	}{
		{0, []byte{0x00}}, {-1, []byte{0x7f}}, {63, []byte{0x3f}}, {64, []byte{0xc0, 0x00}}, {-64, []byte{0x40}}, {-65, []byte{0xbf, 0x7f}},
	} {
		if got := leb.AppendS64(nil, tt.v); string(got) != string(tt.want) {
			t.Errorf("AppendS64(%d) = %x, want %x", tt.v, got, tt.want)
		}
	}
}
