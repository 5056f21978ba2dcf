//go:build !wasip1

package guest_test

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/synodhq/synod/sdk/guest"
)

// A guest is a main package; this one keeps a named counter. Its init
// function registers the handlers, because a module built with
// -buildmode=c-shared never runs main.
var handlers = guest.Handlers{Update: add, Query: get}

func init() { guest.Register(handlers) }

// add applies {"name": ..., "by": ...} and returns the new value.
func add(cmd []byte) ([]byte, error) {
	var c struct {
		Name string `json:"name"`
		By   int64  `json:"by"`
	}
	if err := json.Unmarshal(cmd, &c); err != nil {
		return nil, guest.Errorf(400, "bad command: %v", err)
	}
	n := load(c.Name) + c.By
	guest.Set([]byte(c.Name), strconv.AppendInt(nil, n, 10))
	return strconv.AppendInt(nil, n, 10), nil
}

// get answers a query naming a counter with its value.
func get(name []byte) ([]byte, error) {
	return strconv.AppendInt(nil, load(string(name)), 10), nil
}

func load(name string) int64 {
	v, ok := guest.Get([]byte(name))
	if !ok {
		return 0
	}
	n, _ := strconv.ParseInt(string(v), 10, 64) // only add writes values
	return n
}

func Example() {
	// In a test, a TestShard runs the same handlers against memory.
	shard := guest.NewTestShard(handlers)
	shard.Update([]byte(`{"name":"visits","by":2}`))
	out, _ := shard.Update([]byte(`{"name":"visits","by":3}`))
	fmt.Printf("update: %s\n", out)

	out, _ = shard.Query([]byte("visits"))
	fmt.Printf("query: %s\n", out)

	_, err := shard.Update([]byte(`{"name":`))
	fmt.Println(err)
	// Output:
	// update: 5
	// query: 5
	// application error 400: bad command: unexpected end of JSON input
}
