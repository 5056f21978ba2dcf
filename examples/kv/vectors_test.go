//go:build !wasip1

package main

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/synodhq/synod/sdk/guest"
)

// vector is one call of conformance/kv/vectors.json, which every kv
// example, in every language, must pass (conformance/README.md).
type vector struct {
	Call   string  `json:"call"`
	Input  string  `json:"input"`
	Output *string `json:"output"`
	Error  uint32  `json:"error"`
	Trap   bool    `json:"trap"`
}

// TestVectors runs the cross-language vectors natively against this, the
// reference kv; conformance.TestKVConformance runs them on live shards of
// every kv example.
func TestVectors(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../conformance/kv/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []vector
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatalf("conformance/kv/vectors.json: %v", err)
	}
	s := guest.NewTestShard(guest.Handlers{Update: update, Query: query})
	for i, v := range vectors {
		var res []byte
		var err error
		switch v.Call {
		case "update":
			res, err = s.Update([]byte(v.Input))
		case "query":
			res, err = s.Query([]byte(v.Input))
		default:
			t.Fatalf("vector %d: call %q is neither update nor query", i, v.Call)
		}
		var ae *guest.Error
		switch {
		case v.Trap:
			if err == nil || errors.As(err, &ae) {
				t.Errorf("vector %d, %s %s: got %q, %v; want a trap", i, v.Call, v.Input, res, err)
			}
		case v.Output != nil:
			if err != nil || string(res) != *v.Output {
				t.Errorf("vector %d, %s %s: got %q, %v; want %q", i, v.Call, v.Input, res, err, *v.Output)
			}
		default:
			if !errors.As(err, &ae) || ae.Code != v.Error {
				t.Errorf("vector %d, %s %s: got %q, %v; want application error %d", i, v.Call, v.Input, res, err, v.Error)
			}
		}
	}
}
