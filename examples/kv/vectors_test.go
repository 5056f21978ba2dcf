//go:build !wasip1

package main

import (
	"errors"
	"testing"

	"github.com/synodhq/synod/conformance"
	"github.com/synodhq/synod/sdk/guest"
)

// TestVectors runs the cross-language vectors (conformance/README.md)
// natively against this, the reference kv; conformance's
// TestKVConformance runs them on live shards of every kv example.
func TestVectors(t *testing.T) {
	t.Parallel()
	vectors, err := conformance.ReadKVVectors("../../conformance/kv/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	s := guest.NewTestShard(guest.Handlers{Update: update, Query: query})
	for i, v := range vectors {
		var o conformance.Outcome
		if v.Call == "update" {
			o.Result, o.Err = s.Update([]byte(v.Input))
		} else {
			o.Result, o.Err = s.Query([]byte(v.Input))
		}
		var ae *guest.Error
		if errors.As(o.Err, &ae) {
			o.AppError, o.AppCode = true, ae.Code
		} else {
			o.Trapped = o.Err != nil // the test shard's report of a panic
		}
		if err := v.Check(o); err != nil {
			t.Errorf("vector %d: %v", i, err)
		}
	}
}
