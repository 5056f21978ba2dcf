// Command leaky is a deliberately non-deterministic state machine, for
// testing that Synod notices replicas that disagree: it counts its calls
// in a global variable, which lives in the instance's linear memory, not in
// the shard's state. Every update writes that count. A replica whose host
// restarts gets a fresh instance, counts from zero again, and so writes
// values the other replicas do not.
package main

import (
	"strconv"

	"github.com/synodhq/synod/sdk/guest"
)

func init() { guest.Register(guest.Handlers{Update: update, Query: query}) }

func main() {}

var calls int

func update([]byte) ([]byte, error) {
	calls++
	n := strconv.AppendInt(nil, int64(calls), 10)
	guest.Set([]byte("calls"), n)
	return n, nil
}

func query([]byte) ([]byte, error) {
	v, _ := guest.Get([]byte("calls"))
	return v, nil
}
