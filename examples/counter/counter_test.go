//go:build !wasip1

package main

import (
	"errors"
	"strconv"
	"testing"

	"github.com/synodhq/synod/sdk/guest"
)

func TestCounter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		start    string // the stored value before the command; "" for none
		cmd      string
		want     string
		wantCode uint32
	}{
		{name: "empty command adds 1", cmd: "", want: "1"},
		{name: "add", start: "40", cmd: "2", want: "42"},
		{name: "white space around the number", start: "40", cmd: " 2\n", want: "42"},
		{name: "plus sign", start: "40", cmd: "+2", want: "42"},
		{name: "negative", start: "1", cmd: "-3", want: "-2"},
		{name: "overflow", start: "9223372036854775807", cmd: "1", wantCode: codeBadCommand},
		{name: "underflow", start: "-9223372036854775807", cmd: "-2", wantCode: codeBadCommand},
		{name: "not a number", cmd: "two", wantCode: codeBadCommand},
		{name: "JSON is not a number", cmd: `{"by":2}`, wantCode: codeBadCommand},
		{name: "too large", cmd: "9223372036854775808", wantCode: codeBadCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shard := guest.NewTestShard(handlers)
			if tt.start != "" {
				shard.Set(key, []byte(tt.start))
			}
			out, err := shard.Update([]byte(tt.cmd))
			if tt.wantCode != 0 {
				if e, ok := errors.AsType[*guest.Error](err); !ok || e.Code != tt.wantCode {
					t.Fatalf("Update = %q, %v; want application error %d", out, err, tt.wantCode)
				}
				if v, _ := shard.Get(key); string(v) != tt.start {
					t.Errorf("stored %q after a rejected command, want %q", v, tt.start)
				}
				return
			}
			if err != nil || string(out) != tt.want {
				t.Fatalf("Update = %q, %v; want %q", out, err, tt.want)
			}
			if out, err := shard.Query(nil); err != nil || string(out) != tt.want {
				t.Errorf("Query = %q, %v; want %q", out, err, tt.want)
			}
		})
	}
}

func TestCounterQueryBeforeAdd(t *testing.T) {
	t.Parallel()
	shard := guest.NewTestShard(handlers)
	if out, err := shard.Query([]byte("anything")); err != nil || string(out) != "0" {
		t.Errorf("Query = %q, %v; want 0", out, err)
	}
}

func TestCounterSum(t *testing.T) {
	t.Parallel()
	shard := guest.NewTestShard(handlers)
	sum := int64(0)
	for i := range int64(100) {
		if _, err := shard.Update(strconv.AppendInt(nil, i, 10)); err != nil {
			t.Fatal(err)
		}
		sum += i
	}
	want := strconv.FormatInt(sum, 10)
	if out, err := shard.Query(nil); err != nil || string(out) != want {
		t.Errorf("Query = %q, %v; want %q", out, err, want)
	}
}
