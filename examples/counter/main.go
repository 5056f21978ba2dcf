// Command counter is the smallest useful Synod state machine: one counter.
//
// Build it as a WebAssembly module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o examples/counter/counter.wasm ./examples/counter
//
// The update {"op":"add","by":N} adds N (default 1, may be negative) and
// answers the new value, {"value":N}. Any query answers the current value
// the same way. A malformed command, an unknown op or an overflow is
// application error 400.
package main

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/synodhq/synod/sdk/guest"
)

var handlers = guest.Handlers{Update: update, Query: query}

// init registers the handlers: a module built with -buildmode=c-shared never
// runs main.
func init() { guest.Register(handlers) }

func main() {}

// key is where the counter lives, as decimal text.
var key = []byte("count")

type result struct {
	Value int64 `json:"value"`
}

func update(cmd []byte) ([]byte, error) {
	var c struct {
		Op string `json:"op"`
		By *int64 `json:"by"`
	}
	if err := json.Unmarshal(cmd, &c); err != nil {
		return nil, guest.Errorf(400, "bad command: %v", err)
	}
	if c.Op != "add" {
		return nil, guest.Errorf(400, "unknown op %q", c.Op)
	}
	by := int64(1)
	if c.By != nil {
		by = *c.By
	}
	n, err := load()
	if err != nil {
		return nil, err
	}
	if (by > 0 && n > math.MaxInt64-by) || (by < 0 && n < math.MinInt64-by) {
		return nil, guest.Errorf(400, "adding %d to %d overflows", by, n)
	}
	n += by
	guest.Set(key, strconv.AppendInt(nil, n, 10))
	return json.Marshal(result{Value: n})
}

func query([]byte) ([]byte, error) {
	n, err := load()
	if err != nil {
		return nil, err
	}
	return json.Marshal(result{Value: n})
}

// load returns the counter; it is 0 before the first add.
func load() (int64, error) {
	v, ok := guest.Get(key)
	if !ok {
		return 0, nil
	}
	return strconv.ParseInt(string(v), 10, 64)
}
