package main

import (
	"strings"
	"testing"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

func TestMatchPrefix(t *testing.T) {
	t.Parallel()
	a := "3fa2c1" + strings.Repeat("0", 58)
	b := "3fa2c9" + strings.Repeat("1", 58)
	c := "77" + strings.Repeat("2", 62)
	mods := []*synodv1.Module{{Hash: a}, {Hash: b}, {Hash: c}}
	tests := []struct {
		name, prefix, want, wantErr string
	}{
		{name: "unique", prefix: "3fa2c1", want: a},
		{name: "one digit", prefix: "7", want: c},
		{name: "whole hash", prefix: b, want: b},
		{name: "ambiguous", prefix: "3fa2", wantErr: "module hash prefix 3fa2 is ambiguous: it begins 3fa2c1000000, 3fa2c9111111; give more digits"},
		{name: "not found", prefix: "abc", wantErr: "no module's hash begins abc in namespace team (see synod module list)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := matchPrefix(tt.prefix, mods, "team")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("matchPrefix(%s) = %q, %v; want error %q", tt.prefix, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("matchPrefix(%s) = %q, %v; want %s", tt.prefix, got, err, tt.want)
			}
		})
	}
}

func TestIsHex(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"3fa2": true, "3FA2": true, strings.Repeat("a", 64): true,
		"": false, "xyz": false, "kv.wasm": false, strings.Repeat("a", 65): false,
	} {
		if got := isHex(s); got != want {
			t.Errorf("isHex(%q) = %v, want %v", s, got, want)
		}
	}
}
