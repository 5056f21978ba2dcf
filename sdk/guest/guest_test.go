//go:build !wasip1

package guest_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/synodhq/synod/sdk/guest"
)

// snapshot returns a shard's entries as a map, to compare states.
func snapshot(s *guest.TestShard) map[string]string {
	m := make(map[string]string)
	for k, v := range s.All() {
		m[string(k)] = string(v)
	}
	return m
}

func TestHandlerOutcomes(t *testing.T) {
	t.Parallel()
	errPlain := errors.New("plain failure")
	tests := []struct {
		name     string
		query    bool
		handler  func([]byte) ([]byte, error)
		wantOut  string
		wantCode uint32 // 0: no application error
		wantMsg  string
		wantTrap string // non-empty: a trap whose message contains it
	}{
		{
			name:    "result",
			handler: func([]byte) ([]byte, error) { guest.Set([]byte("k"), []byte("new")); return []byte("done"), nil },
			wantOut: "done",
		},
		{
			name:    "no result",
			handler: func([]byte) ([]byte, error) { guest.Delete([]byte("k")); return nil, nil },
		},
		{
			name: "application error",
			handler: func([]byte) ([]byte, error) {
				guest.Set([]byte("k"), []byte("x"))
				return []byte("ignored"), guest.Errorf(409, "taken")
			},
			wantCode: 409, wantMsg: "taken",
		},
		{
			name:     "plain error is code 1",
			handler:  func([]byte) ([]byte, error) { guest.Set([]byte("k2"), nil); return nil, errPlain },
			wantCode: 1, wantMsg: "plain failure",
		},
		{
			name:     "code 0 is code 1",
			handler:  func([]byte) ([]byte, error) { return nil, &guest.Error{Message: "zero"} },
			wantCode: 1, wantMsg: "zero",
		},
		{
			name:     "wrapped error keeps its code",
			handler:  func([]byte) ([]byte, error) { return nil, fmt.Errorf("apply: %w", guest.Errorf(404, "gone")) },
			wantCode: 404, wantMsg: "gone",
		},
		{
			name:     "nil handler",
			handler:  nil,
			wantCode: 1, wantMsg: "module registered no update handler (guest.Register)",
		},
		{
			name:     "panic traps",
			handler:  func([]byte) ([]byte, error) { guest.Set([]byte("k"), []byte("x")); panic("boom") },
			wantTrap: "boom",
		},
		{
			name:     "key over the limit traps",
			handler:  func([]byte) ([]byte, error) { guest.Set(make([]byte, guest.MaxKeySize+1), nil); return nil, nil },
			wantTrap: "key of 4097 bytes",
		},
		{
			name: "value over the limit traps",
			handler: func([]byte) ([]byte, error) {
				guest.Set([]byte("k"), make([]byte, guest.MaxValueSize+1))
				return nil, nil
			},
			wantTrap: "value of 1048577 bytes",
		},
		{
			name:     "result over the limit traps",
			handler:  func([]byte) ([]byte, error) { return make([]byte, guest.MaxResultSize+1), nil },
			wantTrap: "result of 4194305 bytes",
		},
		{
			name:    "query reads",
			query:   true,
			handler: func([]byte) ([]byte, error) { v, _ := guest.Get([]byte("k")); return v, nil },
			wantOut: "old",
		},
		{
			name:     "query set traps",
			query:    true,
			handler:  func([]byte) ([]byte, error) { guest.Set([]byte("k"), nil); return nil, nil },
			wantTrap: "kv_set from a query",
		},
		{
			name:     "query delete traps",
			query:    true,
			handler:  func([]byte) ([]byte, error) { guest.Delete([]byte("k")); return nil, nil },
			wantTrap: "kv_delete from a query",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := guest.Handlers{Update: tt.handler}
			if tt.query {
				h = guest.Handlers{Query: tt.handler}
			}
			shard := guest.NewTestShard(h)
			shard.Set([]byte("k"), []byte("old"))
			before := snapshot(shard)

			call := shard.Update
			if tt.query {
				call = shard.Query
			}
			out, err := call([]byte("cmd"))

			switch {
			case tt.wantTrap != "":
				if !errors.Is(err, guest.ErrTrap) || !strings.Contains(err.Error(), tt.wantTrap) {
					t.Fatalf("err = %v, want a trap containing %q", err, tt.wantTrap)
				}
			case tt.wantCode != 0:
				e, ok := errors.AsType[*guest.Error](err)
				if !ok || e.Code != tt.wantCode || e.Message != tt.wantMsg {
					t.Fatalf("err = %#v, want code %d message %q", err, tt.wantCode, tt.wantMsg)
				}
			case err != nil:
				t.Fatalf("err = %v, want nil", err)
			}
			if string(out) != tt.wantOut {
				t.Errorf("out = %q, want %q", out, tt.wantOut)
			}
			if failed := err != nil; failed && !maps.Equal(snapshot(shard), before) {
				t.Errorf("state after a failed call = %v, want it rolled back to %v", snapshot(shard), before)
			}
		})
	}
}

func TestGetSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value []byte // nil: key absent
	}{
		{name: "absent"},
		{name: "empty value", value: []byte{}},
		{name: "fits the scratch buffer", value: bytes.Repeat([]byte("v"), 4<<10)},
		{name: "larger than the scratch buffer", value: bytes.Repeat([]byte("w"), 4<<10+1)},
		{name: "largest value", value: bytes.Repeat([]byte("x"), guest.MaxValueSize)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shard := guest.NewTestShard(guest.Handlers{Query: func(key []byte) ([]byte, error) {
				v, ok := guest.Get(key)
				if ok != (tt.value != nil) || !bytes.Equal(v, tt.value) {
					return nil, fmt.Errorf("Get = %d bytes, %v; want %d bytes, %v", len(v), ok, len(tt.value), tt.value != nil)
				}
				return nil, nil
			}})
			if tt.value != nil {
				shard.Set([]byte("k"), tt.value)
			}
			if _, err := shard.Query([]byte("k")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestScanModel checks Range and Prefix against a sorted slice of keys, over
// enough entries and large enough values to need several pages and smaller
// pages.
func TestScanModel(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name    string
		keys    int
		valueSz int
	}{
		{name: "empty shard", keys: 0, valueSz: 1},
		{name: "one page", keys: 50, valueSz: 8},
		{name: "many pages", keys: 2500, valueSz: 8},
		{name: "large values", keys: 12, valueSz: guest.MaxValueSize},
	}
	for _, tt := range tests {
		model := make(map[string]string)
		for range tt.keys {
			k := make([]byte, 1+rng.IntN(3))
			for i := range k {
				k[i] = "ab\x00\xff"[rng.IntN(4)]
			}
			k = fmt.Appendf(k, "%d", rng.IntN(1000))
			model[string(k)] = strings.Repeat(string(k[:1]), tt.valueSz)
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkScans(t, model)
		})
	}
}

func checkScans(t *testing.T, model map[string]string) {
	t.Helper()
	keys := slices.Sorted(maps.Keys(model))
	bounds := []struct{ start, end string }{
		{"", ""}, {"a", "b"}, {"b", ""}, {"\x00", "\xff"}, {"a\xff", "b\x00"}, {"b", "a"},
	}
	prefixes := []string{"", "a", "ab", "\xff", "\xff\xff", "b\x00"}

	var got, want []string
	shard := guest.NewTestShard(guest.Handlers{
		Update: func([]byte) ([]byte, error) {
			for _, k := range keys {
				guest.Set([]byte(k), []byte(model[k]))
			}
			return nil, nil
		},
		Query: func(q []byte) ([]byte, error) {
			var seq func(yield func(k, v []byte) bool)
			if p, ok := bytes.CutPrefix(q, []byte("prefix:")); ok {
				seq = guest.Prefix(p)
			} else {
				start, end, _ := bytes.Cut(q, []byte{'|'})
				seq = guest.Range(start, end)
			}
			for k, v := range seq {
				if string(v) != model[string(k)] {
					return nil, fmt.Errorf("value of %q differs", k)
				}
				got = append(got, string(k))
			}
			return nil, nil
		},
	})
	if _, err := shard.Update(nil); err != nil {
		t.Fatal(err)
	}
	for _, b := range bounds {
		got, want = nil, nil
		for _, k := range keys {
			if k >= b.start && (b.end == "" || k < b.end) {
				want = append(want, k)
			}
		}
		if _, err := shard.Query([]byte(b.start + "|" + b.end)); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Range(%q, %q) = %d keys, want %d", b.start, b.end, len(got), len(want))
		}
	}
	for _, p := range prefixes {
		got, want = nil, nil
		for _, k := range keys {
			if strings.HasPrefix(k, p) {
				want = append(want, k)
			}
		}
		if _, err := shard.Query([]byte("prefix:" + p)); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Prefix(%q) = %d keys, want %d", p, len(got), len(want))
		}
	}
}

func TestRangeStopsAndKeysAreStable(t *testing.T) {
	t.Parallel()
	shard := guest.NewTestShard(guest.Handlers{Query: func([]byte) ([]byte, error) {
		var kept [][]byte
		for k := range guest.Range(nil, nil) {
			k = append(k, '!') // must not overwrite the next entry
			kept = append(kept, k)
			if len(kept) == 3 {
				break
			}
		}
		return bytes.Join(kept, []byte(",")), nil
	}})
	for _, k := range []string{"a", "b", "c", "d"} {
		shard.Set([]byte(k), []byte(k))
	}
	out, err := shard.Query(nil)
	if err != nil || string(out) != "a!,b!,c!" {
		t.Errorf("Query = %q, %v; want %q", out, err, "a!,b!,c!")
	}
}

func TestRangeAfterLongestKey(t *testing.T) {
	t.Parallel()
	// Paging after a key of MaxKeySize bytes cannot start at key + 0x00,
	// which would be longer than a key.
	longest := func(b byte) string { return strings.Repeat(string([]byte{b}), guest.MaxKeySize) }
	tests := []struct {
		name string
		keys []string
	}{
		{name: "longest key is last", keys: []string{"a", longest('a')}},
		{name: "keys after the longest key", keys: []string{longest('a'), "b", longest('b'), "c"}},
		{name: "greatest possible key", keys: []string{"\xff", longest(0xff)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			model := make(map[string]string)
			for _, k := range tt.keys {
				model[k] = k[:1]
			}
			checkScans(t, model)
		})
	}
}

func TestSetCopiesValue(t *testing.T) {
	t.Parallel()
	shard := guest.NewTestShard(guest.Handlers{Update: func(cmd []byte) ([]byte, error) {
		guest.Set([]byte("k"), cmd)
		cmd[0] = 'X'
		return nil, nil
	}})
	if _, err := shard.Update([]byte("value")); err != nil {
		t.Fatal(err)
	}
	if v, _ := shard.Get([]byte("k")); string(v) != "value" {
		t.Errorf("k = %q, want %q", v, "value")
	}
}

// TestInputIsTheHandlersUntilItReturns checks that a test shard, like a
// module whose next call reuses the request's memory, does not leave a
// handler its input once the handler has returned, while the result it
// made from it stays.
func TestInputIsTheHandlersUntilItReturns(t *testing.T) {
	t.Parallel()
	var kept []byte
	shard := guest.NewTestShard(guest.Handlers{Query: func(q []byte) ([]byte, error) {
		kept = q
		return q, nil
	}})
	out, err := shard.Query([]byte("request"))
	if err != nil || string(out) != "request" {
		t.Fatalf("Query = %q, %v; want the request back", out, err)
	}
	if string(kept) == "request" {
		t.Errorf("the input a handler kept still holds %q after it returned; want it overwritten, as the next call in a module does", kept)
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte("a\x00b\x00ab\x00\xff\x00\xff\xff"))
	f.Add([]byte("x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		model := make(map[string]string)
		for k := range bytes.SplitSeq(data, []byte{0}) {
			if len(k) <= guest.MaxKeySize {
				model[string(k)] = string(k)
			}
		}
		checkScans(t, model)
	})
}
