package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The encoder must write exactly what encoding/json wrote before it, so
// these tests compare the two.

// encodeTests are strings that appendString must write as encoding/json
// does.
var encodeTests = []string{
	"",
	"plain",
	`quote " and backslash \ and slash /`,
	"\b\f\n\r\t",
	"\x00\x01\x1f\x7f",
	"<script>&amp;</script>",
	"é€😀",
	"\u2028 and \u2029",
	"\u2027\u202a",
	"\ufffd",
	"\xff",
	"a\xc3",
	"\xe2\x82",
	"\xed\xa0\x80",
	"\xc0\xaf",
	"\xf4\x90\x80\x80",
	strings.Repeat("v", 64),
}

// TestAppendString checks appendString against encoding/json on tricky
// strings and on every byte and every rune below 256.
func TestAppendString(t *testing.T) {
	t.Parallel()
	tests := slices.Clone(encodeTests)
	for c := range 256 {
		tests = append(tests, string(rune(c)), string([]byte{byte(c)}))
	}
	for _, s := range tests {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, []byte(s)); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

// FuzzEncode checks that appendString writes what encoding/json writes.
func FuzzEncode(f *testing.F) {
	for _, s := range encodeTests {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, []byte(s)); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestResults checks the results that the handlers write against the
// result types as encoding/json writes them.
func TestResults(t *testing.T) {
	t.Parallel()
	ptr := func(s string) *string { return &s }
	tests := []struct {
		name string
		got  []byte
		want any
	}{
		{name: "ok", got: okJSON, want: okResult{OK: true}},
		{name: "get found", got: appendGetResult(nil, []byte("a<b"), []byte("\x00\xff"), true), want: getResult{Key: "a<b", Value: ptr("\x00\xff"), Found: true}},
		{name: "get found empty", got: appendGetResult(nil, []byte("a"), []byte{}, true), want: getResult{Key: "a", Value: ptr(""), Found: true}},
		{name: "get not found", got: appendGetResult(nil, []byte("\u2028"), nil, false), want: getResult{Key: "\u2028", Found: false}},
		{name: "item", got: appendItem(nil, []byte(`"k"`), []byte("&v\n")), want: item{Key: `"k"`, Value: "&v\n"}},
	}
	for _, tt := range tests {
		want, err := json.Marshal(tt.want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tt.got, want) {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, want)
		}
	}
}

// TestPlainPrefix checks plainPrefix, which looks at eight bytes at a time,
// against a byte-by-byte scan: every byte at every offset of a 24-byte
// input, followed by plain bytes or not, and at the end of the input (in
// the padded tail).
func TestPlainPrefix(t *testing.T) {
	t.Parallel()
	isPlain := func(c byte) bool {
		return ' ' <= c && c < utf8.RuneSelf && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	naive := func(s []byte) int {
		i := 0
		for i < len(s) && isPlain(s[i]) {
			i++
		}
		return i
	}
	for c := range 256 {
		for at := range 24 {
			for _, after := range []byte{'a', 0x00, 0xff, '"'} {
				s := bytes.Repeat([]byte{'a'}, 24)
				s[at] = byte(c)
				for j := at + 1; j < len(s); j++ {
					s[j] = after
				}
				for _, s := range [][]byte{s, s[:at+1]} {
					if got, want := plainPrefix(s), naive(s); got != want {
						t.Fatalf("plainPrefix(%q) = %d, want %d", s, got, want)
					}
				}
			}
		}
	}
}
