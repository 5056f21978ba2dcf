// Command counter is the smallest useful Synod state machine: one counter.
//
// Build it as a WebAssembly module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o examples/counter/counter.wasm ./examples/counter
//
// Commands and results are decimal text, not JSON. An update's command is
// the amount to add (may be negative; an empty command adds 1, and white
// space around the number is ignored), and it answers the new value. Any
// query answers the current value. A command that is not a 64-bit integer,
// or an add that overflows one, is application error 400.
//
// It reads and writes its text with strconv alone: encoding/json or fmt
// would cost it about ten times the fuel (docs/abi.md, "What a guest's fuel
// goes to").
package main

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/synodhq/synod/sdk/guest"
)

var handlers = guest.Handlers{Update: update, Query: query}

// init registers the handlers: a module built with -buildmode=c-shared never
// runs main.
func init() { guest.Register(handlers) }

func main() {}

// codeBadCommand is the application error of a command that is not a number
// or would overflow the counter.
const codeBadCommand = 400

// key is where the counter lives, as decimal text.
var key = []byte("count")

func update(cmd []byte) ([]byte, error) {
	by := int64(1)
	if cmd = bytes.TrimSpace(cmd); len(cmd) > 0 {
		var err error
		if by, err = strconv.ParseInt(string(cmd), 10, 64); err != nil {
			return nil, guest.Errorf(codeBadCommand, "bad command %q: want an integer to add", cmd)
		}
	}
	n, err := load()
	if err != nil {
		return nil, err
	}
	if (by > 0 && n > math.MaxInt64-by) || (by < 0 && n < math.MinInt64-by) {
		return nil, guest.Errorf(codeBadCommand, "adding %d to %d overflows", by, n)
	}
	out := strconv.AppendInt(nil, n+by, 10)
	guest.Set(key, out)
	return out, nil
}

func query([]byte) ([]byte, error) {
	v, ok := guest.Get(key)
	if !ok {
		return []byte("0"), nil
	}
	return v, nil
}

// load returns the counter; it is 0 before the first add.
func load() (int64, error) {
	v, ok := guest.Get(key)
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read the counter: %w", err)
	}
	return n, nil
}
