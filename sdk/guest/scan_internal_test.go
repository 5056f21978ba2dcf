package guest

import (
	"bytes"
	"testing"
)

func TestPrefixEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		want   []byte // nil: no upper bound
	}{
		{name: "empty", prefix: "", want: nil},
		{name: "one byte", prefix: "a", want: []byte("b")},
		{name: "last byte increments", prefix: "ab", want: []byte("ac")},
		{name: "trailing 0xff dropped", prefix: "a\xff\xff", want: []byte("b")},
		{name: "all 0xff", prefix: "\xff\xff", want: nil},
		{name: "zero byte", prefix: "a\x00", want: []byte("a\x01")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := prefixEnd([]byte(tt.prefix))
			if !bytes.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("prefixEnd(%q) = %q, want %q", tt.prefix, got, tt.want)
			}
		})
	}
}

func TestNextEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		page      string
		key, val  string
		rest      string
		wantPanic bool
	}{
		{name: "one entry", page: "\x01\x00\x00\x00k\x02\x00\x00\x00vv", key: "k", val: "vv"},
		{name: "empty key and value", page: "\x00\x00\x00\x00\x00\x00\x00\x00rest", rest: "rest"},
		{name: "short length", page: "\x01\x00", wantPanic: true},
		{name: "key past the end", page: "\x05\x00\x00\x00k", wantPanic: true},
		{name: "missing value", page: "\x01\x00\x00\x00k", wantPanic: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if r := recover(); (r != nil) != tt.wantPanic {
					t.Errorf("panic = %v, want panic %v", r, tt.wantPanic)
				}
			}()
			k, v, rest := nextEntry([]byte(tt.page))
			if string(k) != tt.key || string(v) != tt.val || string(rest) != tt.rest {
				t.Errorf("nextEntry = %q, %q, %q; want %q, %q, %q", k, v, rest, tt.key, tt.val, tt.rest)
			}
			if cap(k) != len(k) || cap(v) != len(v) {
				t.Errorf("key and value must be clipped: cap %d, %d", cap(k), cap(v))
			}
		})
	}
}
