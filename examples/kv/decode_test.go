package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// The decoder must accept exactly what encoding/json accepted before it,
// and decode it into the same fields, so these tests compare the two.

// jsonCommand is a command as encoding/json decoded it, before decode.go:
// the reference for the decoder.
type jsonCommand struct {
	Op     string  `json:"op"`
	Key    *string `json:"key"`
	Value  *string `json:"value"`
	Expect *string `json:"expect"`
	Prefix string  `json:"prefix"`
	Limit  int     `json:"limit"`
}

// decodeJSON decodes b as kv's parse did with encoding/json: exactly one
// JSON value, with no unknown fields.
func decodeJSON(b []byte) (jsonCommand, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c jsonCommand
	if err := dec.Decode(&c); err != nil {
		return jsonCommand{}, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return jsonCommand{}, errors.New("data after the JSON object")
	}
	return c, nil
}

// reference returns c as encoding/json would have decoded it.
func (c command) reference() jsonCommand {
	opt := func(b []byte) *string {
		if b == nil {
			return nil
		}
		s := string(b)
		return &s
	}
	return jsonCommand{
		Op:     string(c.Op),
		Key:    opt(c.Key),
		Value:  opt(c.Value),
		Expect: opt(c.Expect),
		Prefix: string(c.Prefix),
		Limit:  c.Limit,
	}
}

func (c jsonCommand) String() string {
	opt := func(s *string) string {
		if s == nil {
			return "nil"
		}
		return fmt.Sprintf("%q", *s)
	}
	return fmt.Sprintf("{Op:%q Key:%s Value:%s Expect:%s Prefix:%q Limit:%d}",
		c.Op, opt(c.Key), opt(c.Value), opt(c.Expect), c.Prefix, c.Limit)
}

// isBareNull reports whether b is the JSON null alone: the one input that
// encoding/json decoded (into an empty command) and decodeCommand rejects.
// parse rejects it either way, for its missing op.
func isBareNull(b []byte) bool {
	return string(bytes.Trim(b, " \t\r\n")) == "null"
}

// decodeTests are inputs on which decodeCommand must agree with
// encoding/json. ok says whether both accept the input.
var decodeTests = []struct {
	name string
	in   string
	ok   bool
}{
	// Shapes.
	{name: "put", in: `{"op":"put","key":"a","value":"1"}`, ok: true},
	{name: "every field", in: `{"op":"list","key":"k","value":"v","expect":"e","prefix":"p","limit":7}`, ok: true},
	{name: "empty object", in: `{}`, ok: true},
	{name: "white space", in: " \t\r\n{ \"op\" :\n\"get\" ,\t\"key\"\r: \"a\" } \n", ok: true},
	{name: "empty strings", in: `{"op":"","key":"","value":"","expect":"","prefix":""}`, ok: true},
	{name: "empty input", in: ``},
	{name: "white space only", in: " \n"},
	{name: "array", in: `[]`},
	{name: "string", in: `"put"`},
	{name: "number", in: `1`},
	{name: "true", in: `true`},
	{name: "unclosed object", in: `{`},
	{name: "name without value", in: `{"op"`},
	{name: "colon without value", in: `{"op":`},
	{name: "unclosed after value", in: `{"op":"x"`},
	{name: "trailing comma", in: `{"op":"x",}`},
	{name: "comma alone", in: `{,}`},
	{name: "missing comma", in: `{"op":"x" "key":"a"}`},
	{name: "missing colon", in: `{"op" "x"}`},
	{name: "single quotes", in: `{'op':'x'}`},
	{name: "bare name", in: `{op:"x"}`},
	{name: "byte order mark", in: "\ufeff{}"},
	{name: "vertical tab is not white space", in: "\v{}"},
	{name: "no-break space is not white space", in: "{\u00a0}"},

	// Trailing data.
	{name: "trailing object", in: `{}{}`},
	{name: "trailing null", in: `{} null`},
	{name: "trailing word", in: `{"op":"put","key":"a","value":"1"} trailing`},
	{name: "trailing bracket", in: `{}]`},
	{name: "trailing form feed", in: "{}\f"},
	{name: "trailing NUL", in: "{}\x00"},

	// Names.
	{name: "unknown field", in: `{"op":"put","key":"a","vaule":"1"}`},
	{name: "unknown field with an object", in: `{"x":{"y":[1,2]}}`},
	{name: "empty name", in: `{"":"x"}`},
	{name: "upper-case names", in: `{"OP":"put","KEY":"a","Value":"1","eXpEcT":"2","PREFIX":"p","LIMIT":3}`, ok: true},
	{name: "escaped name", in: `{"\u006fp":"get","k\u0065y":"a"}`, ok: true},
	{name: "Kelvin sign folds to k", in: `{"op":"get","` + "\u212a" + `ey":"a"}`, ok: true},
	{name: "escaped Kelvin sign", in: `{"op":"get","\u212Aey":"a"}`, ok: true},
	{name: "dotted capital I does not fold to i", in: `{"l` + "\u0130" + `mit":1}`},
	{name: "dotless i does not fold to i", in: `{"l` + "\u0131" + `mit":1}`},
	{name: "long s is not a field", in: `{"op":"get","` + "\u017f" + `":"a"}`},
	{name: "name with NUL", in: `{"op\u0000":"x"}`},
	{name: "name with invalid UTF-8", in: "{\"op\xff\":\"x\"}"},

	// Duplicates: the last wins.
	{name: "duplicate key", in: `{"op":"get","key":"a","key":"b"}`, ok: true},
	{name: "duplicate under folding", in: `{"op":"get","key":"a","KEY":"b"}`, ok: true},
	{name: "key then null", in: `{"op":"get","key":"a","key":null}`, ok: true},
	{name: "null then key", in: `{"op":"get","key":null,"key":"a"}`, ok: true},
	{name: "op then null", in: `{"op":"get","op":null}`, ok: true},
	{name: "limit then null", in: `{"op":"list","limit":5,"limit":null}`, ok: true},
	{name: "prefix then null", in: `{"op":"list","prefix":"a","prefix":null}`, ok: true},

	// Null.
	{name: "null everywhere", in: `{"op":null,"key":null,"value":null,"expect":null,"prefix":null,"limit":null}`, ok: true},
	{name: "expect null", in: `{"op":"cas","key":"a","expect":null,"value":"1"}`, ok: true},
	{name: "null misspelt", in: `{"key":nul}`},
	{name: "null too long", in: `{"key":nulll}`},
	{name: "NULL", in: `{"key":NULL}`},
	{name: "null at the end", in: `{"key":nu`},

	// Types.
	{name: "number key", in: `{"op":"put","key":1,"value":"1"}`},
	{name: "bool op", in: `{"op":true}`},
	{name: "bool key", in: `{"key":false}`},
	{name: "truncated true", in: `{"key":tru}`},
	{name: "object key", in: `{"key":{}}`},
	{name: "array value", in: `{"value":["1"]}`},
	{name: "deep array", in: `{"value":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`},
	{name: "quoted limit", in: `{"limit":"1"}`},
	{name: "bool limit", in: `{"limit":true}`},
	{name: "object limit", in: `{"limit":{}}`},

	// Numbers.
	{name: "limit zero", in: `{"limit":0}`, ok: true},
	{name: "limit minus zero", in: `{"limit":-0}`, ok: true},
	{name: "negative limit", in: `{"limit":-12}`, ok: true},
	{name: "largest int", in: `{"limit":9223372036854775807}`, ok: true},
	{name: "smallest int", in: `{"limit":-9223372036854775808}`, ok: true},
	{name: "int overflow", in: `{"limit":9223372036854775808}`},
	{name: "int underflow", in: `{"limit":-9223372036854775809}`},
	{name: "fraction", in: `{"limit":1.5}`},
	{name: "integral fraction", in: `{"limit":1.0}`},
	{name: "exponent", in: `{"limit":1e2}`},
	{name: "signed exponent", in: `{"limit":1E+2}`},
	{name: "leading zero", in: `{"limit":01}`},
	{name: "minus alone", in: `{"limit":-}`},
	{name: "plus", in: `{"limit":+1}`},
	{name: "leading dot", in: `{"limit":.5}`},
	{name: "trailing dot", in: `{"limit":1.}`},
	{name: "empty exponent", in: `{"limit":1e}`},
	{name: "double minus", in: `{"limit":--1}`},
	{name: "hex", in: `{"limit":0x10}`},
	{name: "Infinity", in: `{"limit":Infinity}`},
	{name: "NaN", in: `{"limit":NaN}`},
	{name: "number for a string", in: `{"key":1.5e-3}`},
	{name: "number at the end", in: `{"limit":12`},

	// Strings.
	{name: "short escapes", in: `{"key":"\"\\\/\b\f\n\r\t"}`, ok: true},
	{name: "unicode escapes", in: `{"key":"\u0041\u00e9\u20AC\u0000"}`, ok: true},
	{name: "surrogate pair", in: `{"key":"\ud83d\ude00"}`, ok: true},
	{name: "upper-case surrogate pair", in: `{"key":"\uD83D\uDE00x"}`, ok: true},
	{name: "lone high surrogate", in: `{"key":"\ud800"}`, ok: true},
	{name: "high surrogate and a letter", in: `{"key":"\ud800a"}`, ok: true},
	{name: "high surrogate and an escape", in: `{"key":"\ud800\u0041"}`, ok: true},
	{name: "high surrogate and a short escape", in: `{"key":"\ud800\n"}`, ok: true},
	{name: "two high surrogates", in: `{"key":"\ud800\ud800\udc00"}`, ok: true},
	{name: "lone low surrogate", in: `{"key":"\udc00"}`, ok: true},
	{name: "low then high surrogate", in: `{"key":"\udc00\ud800"}`, ok: true},
	{name: "high surrogate and a bad escape", in: `{"key":"\ud800\uzzzz"}`},
	{name: "raw multibyte", in: `{"key":"é€😀` + "\u2028\u2029" + `"}`, ok: true},
	{name: "raw DEL", in: "{\"key\":\"\x7f\"}", ok: true},
	{name: "invalid byte", in: "{\"key\":\"a\xffb\"}", ok: true},
	{name: "truncated sequence", in: "{\"key\":\"\xe2\x82\"}", ok: true},
	{name: "truncated sequence at the quote", in: "{\"key\":\"\xc3\"}", ok: true},
	{name: "UTF-8 surrogate", in: "{\"key\":\"\xed\xa0\x80\"}", ok: true},
	{name: "overlong encoding", in: "{\"key\":\"\xc0\xaf\"}", ok: true},
	{name: "invalid bytes and escapes", in: "{\"key\":\"\xff\\n\xfe\\u00e9\"}", ok: true},
	{name: "raw newline", in: "{\"key\":\"a\nb\"}"},
	{name: "raw NUL", in: "{\"key\":\"\x00\"}"},
	{name: "raw control after an escape", in: "{\"key\":\"\\n\x1f\"}"},
	{name: "bad escape", in: `{"key":"\x41"}`},
	{name: "escaped single quote", in: `{"key":"\'"}`},
	{name: "upper-case U escape", in: `{"key":"\U0041"}`},
	{name: "short unicode escape", in: `{"key":"\u12"}`},
	{name: "bad hex digit", in: `{"key":"\u12G4"}`},
	{name: "unterminated string", in: `{"key":"abc`},
	{name: "backslash at the end", in: `{"key":"abc\`},
	{name: "unicode escape at the end", in: `{"key":"\u00`},
}

// TestDecodeCommand checks decodeCommand against encoding/json on tricky
// inputs.
func TestDecodeCommand(t *testing.T) {
	t.Parallel()
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ref, refErr := decodeJSON([]byte(tt.in))
			if (refErr == nil) != tt.ok {
				t.Fatalf("encoding/json: error %v, want ok %v: fix the test", refErr, tt.ok)
			}
			c, err := decodeCommand([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("decodeCommand(%q): error %v, want ok %v", tt.in, err, tt.ok)
			}
			if got := c.reference(); err == nil && !reflect.DeepEqual(got, ref) {
				t.Errorf("decodeCommand(%q)\n got %v\nwant %v", tt.in, got, ref)
			}
		})
	}
}

// TestDecodeBareNull pins the one deliberate difference from
// encoding/json.
func TestDecodeBareNull(t *testing.T) {
	t.Parallel()
	if _, err := decodeJSON([]byte(" null ")); err != nil {
		t.Fatalf("encoding/json rejects null (%v): the difference is gone", err)
	}
	if _, err := decodeCommand([]byte(" null ")); err == nil {
		t.Error("decodeCommand accepts null")
	}
}

// TestDecodeDoesNotAllocate checks that strings without escapes or invalid
// UTF-8 are slices of the input: in a guest, every allocation costs about a
// microsecond. (Not parallel: AllocsPerRun counts every goroutine's.)
func TestDecodeDoesNotAllocate(t *testing.T) {
	for _, in := range []string{
		`{"op":"put","key":"k","value":"v"}`,
		` { "op" : "list" , "prefix" : "<&>" , "limit" : 10 } `,
		`{"op":"put","key":"é€😀","value":"` + strings.Repeat("v", 100) + `"}`,
	} {
		b := []byte(in)
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := decodeCommand(b); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("decodeCommand(%s) allocates %v times, want 0", in, allocs)
		}
	}
}

// FuzzDecode checks that decodeCommand accepts exactly what encoding/json
// accepts, but for a bare null, and decodes it into the same fields.
func FuzzDecode(f *testing.F) {
	for _, tt := range decodeTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := decodeCommand(in)
		ref, refErr := decodeJSON(in)
		switch {
		case err == nil && refErr != nil:
			t.Fatalf("decodeCommand(%q) accepts %v; encoding/json rejects it: %v", in, c.reference(), refErr)
		case err != nil && refErr == nil && !isBareNull(in):
			t.Fatalf("decodeCommand(%q) rejects it (%v); encoding/json accepts %v", in, err, ref)
		case err == nil && !reflect.DeepEqual(c.reference(), ref):
			t.Fatalf("decodeCommand(%q)\n got %v\nwant %v", in, c.reference(), ref)
		}
	})
}

// BenchmarkDecode measures decoding a put as the wasm benchmark sends it.
func BenchmarkDecode(b *testing.B) {
	in := fmt.Appendf(nil, `{"op":"put","key":"key-%08d","value":%q}`, 1, strings.Repeat("v", 64))
	for b.Loop() {
		if _, err := decodeCommand(in); err != nil {
			b.Fatal(err)
		}
	}
}
