//go:build !wasip1

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/synodhq/synod/sdk/guest"
)

// step is one call on a shard and what it must answer.
type step struct {
	query    bool   // a query instead of an update
	in       string // the command
	want     string // the result, when the call succeeds
	wantCode uint32 // an application error's code
	wantTrap bool
}

func TestKV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []step
		state map[string]string // the shard's entries afterwards
	}{
		{
			name: "put then get",
			steps: []step{
				{in: `{"op":"put","key":"a","value":"1"}`, want: `{"ok":true}`},
				{query: true, in: `{"op":"get","key":"a"}`, want: `{"key":"a","value":"1","found":true}`},
				{in: `{"op":"get","key":"a"}`, want: `{"key":"a","value":"1","found":true}`},
			},
			state: map[string]string{"a": "1"},
		},
		{
			name: "get of a missing key is not an error",
			steps: []step{
				{query: true, in: `{"op":"get","key":"zz"}`, want: `{"key":"zz","found":false}`},
			},
		},
		{
			name: "empty value is a value",
			steps: []step{
				{in: `{"op":"put","key":"a","value":""}`, want: `{"ok":true}`},
				{query: true, in: `{"op":"get","key":"a"}`, want: `{"key":"a","value":"","found":true}`},
			},
			state: map[string]string{"a": ""},
		},
		{
			name: "delete",
			steps: []step{
				{in: `{"op":"put","key":"a","value":"1"}`, want: `{"ok":true}`},
				{in: `{"op":"delete","key":"a"}`, want: `{"ok":true}`},
				{in: `{"op":"delete","key":"a"}`, want: `{"ok":true}`},
			},
		},
		{
			name: "cas on an absent key",
			steps: []step{
				{in: `{"op":"cas","key":"a","value":"1"}`, want: `{"ok":true}`},
				{in: `{"op":"cas","key":"a","expect":null,"value":"2"}`, wantCode: codeCASMismatch},
			},
			state: map[string]string{"a": "1"},
		},
		{
			name: "cas on a value",
			steps: []step{
				{in: `{"op":"put","key":"a","value":"1"}`, want: `{"ok":true}`},
				{in: `{"op":"cas","key":"a","expect":"2","value":"3"}`, wantCode: codeCASMismatch},
				{in: `{"op":"cas","key":"a","expect":"1","value":"3"}`, want: `{"ok":true}`},
				{in: `{"op":"cas","key":"b","expect":"1","value":"3"}`, wantCode: codeCASMismatch},
			},
			state: map[string]string{"a": "3"},
		},
		{
			name: "cas with an empty expect",
			steps: []step{
				{in: `{"op":"put","key":"a","value":""}`, want: `{"ok":true}`},
				{in: `{"op":"cas","key":"a","expect":"","value":"1"}`, want: `{"ok":true}`},
				{in: `{"op":"cas","key":"a","expect":"","value":"2"}`, wantCode: codeCASMismatch},
			},
			state: map[string]string{"a": "1"},
		},
		{
			name: "JSON as encoding/json reads and writes it",
			steps: []step{
				{in: ` { "OP" : "put", "Key": "a<b", "value": "\u00e9\ud83d\ude00\n\u2028" } `, want: `{"ok":true}`},
				{query: true, in: `{"op":"get","key":"a\u003cb"}`, want: `{"key":"a\u003cb","value":"é😀\n\u2028","found":true}`},
				{in: "{\"op\":\"put\",\"key\":\"b\",\"value\":\"\xff\"}", want: `{"ok":true}`},
				// Invalid UTF-8 in a command is stored as U+FFFD.
				{query: true, in: `{"op":"list","prefix":"b"}`, want: `{"items":[{"key":"b","value":"�"}]}`},
			},
			state: map[string]string{"a<b": "é😀\n\u2028", "b": "\ufffd"},
		},
		{
			name: "list by prefix",
			steps: []step{
				{in: `{"op":"put","key":"user/2","value":"alan"}`, want: `{"ok":true}`},
				{in: `{"op":"put","key":"user/1","value":"ada"}`, want: `{"ok":true}`},
				{in: `{"op":"put","key":"users","value":"2"}`, want: `{"ok":true}`},
				{query: true, in: `{"op":"list","prefix":"user/"}`, want: `{"items":[{"key":"user/1","value":"ada"},{"key":"user/2","value":"alan"}]}`},
				{query: true, in: `{"op":"list","prefix":"user","limit":2}`, want: `{"items":[{"key":"user/1","value":"ada"},{"key":"user/2","value":"alan"}],"more":true}`},
				{in: `{"op":"list","prefix":"nobody"}`, want: `{"items":[]}`},
			},
			state: map[string]string{"user/1": "ada", "user/2": "alan", "users": "2"},
		},
		{
			name: "bad commands",
			steps: []step{
				{in: `not json`, wantCode: codeBadCommand},
				{in: `{"op":"put","key":"a","value":"1"} trailing`, wantCode: codeBadCommand},
				{in: `{"op":"put","key":"a","vaule":"1"}`, wantCode: codeBadCommand},
				{in: `{"op":"put","key":"a"}`, wantCode: codeBadCommand},
				{in: `{"op":"put","key":"","value":"1"}`, wantCode: codeBadCommand},
				{in: `{"op":"put","key":1,"value":"1"}`, wantCode: codeBadCommand},
				{in: `{"op":"frobnicate"}`, wantCode: codeBadCommand},
				{in: `{}`, wantCode: codeBadCommand},
				{in: `null`, wantCode: codeBadCommand},
				{in: `{"op":"put","key":"a","value":"1","value":null}`, wantCode: codeBadCommand},
				{in: `{"op":"put","key":"a","value":"1","expect":1}`, wantCode: codeBadCommand},
				{in: `{"op":"list","limit":1001}`, wantCode: codeBadCommand},
				{in: `{"op":"list","limit":-1}`, wantCode: codeBadCommand},
				{query: true, in: `{"op":"frobnicate"}`, wantCode: codeBadCommand},
			},
		},
		{
			name: "key and value limits are bad commands, not traps",
			steps: []step{
				{in: fmt.Sprintf(`{"op":"put","key":%q,"value":"1"}`, strings.Repeat("k", guest.MaxKeySize+1)), wantCode: codeBadCommand},
				{in: fmt.Sprintf(`{"op":"put","key":"a","value":%q}`, strings.Repeat("v", guest.MaxValueSize+1)), wantCode: codeBadCommand},
			},
		},
		{
			name: "writes sent as queries",
			steps: []step{
				{query: true, in: `{"op":"put","key":"a","value":"1"}`, wantCode: codeBadCommand},
				{query: true, in: `{"op":"delete","key":"a"}`, wantCode: codeBadCommand},
				{query: true, in: `{"op":"cas","key":"a","value":"1"}`, wantCode: codeBadCommand},
				{query: true, in: `{"op":"put_then_trap","key":"a","value":"1"}`, wantCode: codeBadCommand},
			},
		},
		{
			name: "put_then_fail rolls back",
			steps: []step{
				{in: `{"op":"put","key":"a","value":"1"}`, want: `{"ok":true}`},
				{in: `{"op":"put_then_fail","key":"a","value":"2"}`, wantCode: codeFailed},
				{in: `{"op":"put_then_fail","key":"b","value":"2"}`, wantCode: codeFailed},
			},
			state: map[string]string{"a": "1"},
		},
		{
			name: "put_then_trap rolls back",
			steps: []step{
				{in: `{"op":"put","key":"a","value":"1"}`, want: `{"ok":true}`},
				{in: `{"op":"put_then_trap","key":"a","value":"2"}`, wantTrap: true},
				{in: `{"op":"put_then_trap","key":"b","value":"2"}`, wantTrap: true},
			},
			state: map[string]string{"a": "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shard := guest.NewTestShard(handlers)
			for i, s := range tt.steps {
				call := shard.Update
				if s.query {
					call = shard.Query
				}
				out, err := call([]byte(s.in))
				if got := outcome(out, err); got != s.outcome() {
					t.Fatalf("step %d: %.80s = %s, want %s", i, s.in, got, s.outcome())
				}
			}
			if got := entries(shard); !maps.Equal(got, tt.state) {
				t.Errorf("state = %v, want %v", got, tt.state)
			}
		})
	}
}

func (s step) outcome() string {
	switch {
	case s.wantTrap:
		return "trap"
	case s.wantCode != 0:
		return fmt.Sprintf("error %d", s.wantCode)
	}
	return s.want
}

// outcome summarises a call's answer as a step's outcome.
func outcome(out []byte, err error) string {
	if errors.Is(err, guest.ErrTrap) {
		return "trap"
	}
	if e, ok := errors.AsType[*guest.Error](err); ok {
		return fmt.Sprintf("error %d", e.Code)
	}
	if err != nil {
		return err.Error()
	}
	return string(out)
}

func entries(s *guest.TestShard) map[string]string {
	m := make(map[string]string)
	for k, v := range s.All() {
		m[string(k)] = string(v)
	}
	return m
}

// TestKVModel runs random commands against the state machine and against a
// map, and checks that they agree.
func TestKVModel(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	shard := guest.NewTestShard(handlers)
	model := make(map[string]string)
	keys := []string{"a", "ab", "abc", "b", "b\u00ff", "c"}
	values := []string{"", "1", "2"}
	prefixes := []string{"", "a", "ab", "b", "b\u00ff", "d"}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }

	for i := range 2000 {
		k, v := pick(keys), pick(values)
		var cmd map[string]any
		var want string
		switch rng.IntN(5) {
		case 0:
			cmd = map[string]any{"op": "put", "key": k, "value": v}
			want, model[k] = `{"ok":true}`, v
		case 1:
			cmd = map[string]any{"op": "delete", "key": k}
			want = `{"ok":true}`
			delete(model, k)
		case 2:
			cmd = map[string]any{"op": "cas", "key": k, "value": v}
			cur, found := model[k]
			if rng.IntN(2) == 0 {
				cmd["expect"] = pick(values)
			}
			exp, hasExp := cmd["expect"].(string)
			want = "error 409"
			if found == hasExp && cur == exp {
				want, model[k] = `{"ok":true}`, v
			}
		case 3:
			cmd = map[string]any{"op": "get", "key": k}
			cur, found := model[k]
			want = mustJSON(t, getResult{Key: k, Value: ptrIf(cur, found), Found: found})
		case 4:
			p := pick(prefixes)
			cmd = map[string]any{"op": "list", "prefix": p}
			r := listResult{Items: []item{}}
			for _, mk := range slices.Sorted(maps.Keys(model)) {
				if strings.HasPrefix(mk, p) {
					r.Items = append(r.Items, item{Key: mk, Value: model[mk]})
				}
			}
			want = mustJSON(t, r)
		}
		in := mustJSON(t, cmd)
		if got := outcome(shard.Update([]byte(in))); got != want {
			t.Fatalf("command %d: %s = %s, want %s", i, in, got, want)
		}
	}
	if got := entries(shard); !maps.Equal(got, model) {
		t.Errorf("state = %v, want %v", got, model)
	}
}

func ptrIf(s string, ok bool) *string {
	if !ok {
		return nil
	}
	return &s
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
