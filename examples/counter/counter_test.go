//go:build !wasip1

package main

import (
	"errors"
	"fmt"
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
		{name: "first add defaults to 1", cmd: `{"op":"add"}`, want: `{"value":1}`},
		{name: "add", start: "40", cmd: `{"op":"add","by":2}`, want: `{"value":42}`},
		{name: "negative", start: "1", cmd: `{"op":"add","by":-3}`, want: `{"value":-2}`},
		{name: "overflow", start: "9223372036854775807", cmd: `{"op":"add","by":1}`, wantCode: 400},
		{name: "underflow", start: "-9223372036854775807", cmd: `{"op":"add","by":-2}`, wantCode: 400},
		{name: "unknown op", cmd: `{"op":"sub"}`, wantCode: 400},
		{name: "malformed", cmd: `{"op":`, wantCode: 400},
		{name: "by is not a number", cmd: `{"op":"add","by":"2"}`, wantCode: 400},
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

func TestCounterSum(t *testing.T) {
	t.Parallel()
	shard := guest.NewTestShard(handlers)
	sum := int64(0)
	for i := range int64(100) {
		if _, err := shard.Update(fmt.Appendf(nil, `{"op":"add","by":%d}`, i)); err != nil {
			t.Fatal(err)
		}
		sum += i
	}
	want := fmt.Sprintf(`{"value":%d}`, sum)
	if out, err := shard.Query(nil); err != nil || string(out) != want {
		t.Errorf("Query = %q, %v; want %q", out, err, want)
	}
}
