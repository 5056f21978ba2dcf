//go:build !wasip1

package guest_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/synodhq/synod/sdk/guest"
)

// seed is an Update handler that stores "key=value" lines.
func seed(cmd []byte) ([]byte, error) {
	for line := range bytes.Lines(cmd) {
		k, v, _ := bytes.Cut(bytes.TrimSpace(line), []byte("="))
		guest.Set(k, v)
	}
	return nil, nil
}

func ExampleRange() {
	shard := guest.NewTestShard(guest.Handlers{
		Update: seed,
		// Query lists the keys in ["b", "d").
		Query: func([]byte) ([]byte, error) {
			var out []byte
			for k, v := range guest.Range([]byte("b"), []byte("d")) {
				out = fmt.Appendf(out, "%s=%s ", k, v)
			}
			return out, nil
		},
	})
	shard.Update([]byte("a=1\nb=2\nc=3\nd=4"))
	out, _ := shard.Query(nil)
	fmt.Println(string(out))
	// Output: b=2 c=3
}

func ExamplePrefix() {
	shard := guest.NewTestShard(guest.Handlers{
		Update: seed,
		// Query counts the keys that start with its input.
		Query: func(prefix []byte) ([]byte, error) {
			n := 0
			for range guest.Prefix(prefix) {
				n++
			}
			return fmt.Appendf(nil, "%d", n), nil
		},
	})
	shard.Update([]byte("user/1=ada\nuser/2=alan\nusers=2\nzone=eu"))
	out, _ := shard.Query([]byte("user/"))
	fmt.Println(string(out))
	// Output: 2
}

func ExampleErrorf() {
	shard := guest.NewTestShard(guest.Handlers{
		// Update writes a key, then rejects the command: the write is
		// rolled back.
		Update: func(cmd []byte) ([]byte, error) {
			guest.Set([]byte("k"), cmd)
			return nil, guest.Errorf(409, "%q is taken", cmd)
		},
	})
	_, err := shard.Update([]byte("v"))
	if e, ok := errors.AsType[*guest.Error](err); ok {
		fmt.Println(e.Code, e.Message)
	}
	_, found := shard.Get([]byte("k"))
	fmt.Println("k written:", found)
	// Output:
	// 409 "v" is taken
	// k written: false
}

func ExampleTestShard_Query() {
	shard := guest.NewTestShard(guest.Handlers{
		// A query that writes breaks the ABI's rules: it traps.
		Query: func(q []byte) ([]byte, error) {
			guest.Set([]byte("k"), q)
			return nil, nil
		},
	})
	_, err := shard.Query([]byte("v"))
	fmt.Println(errors.Is(err, guest.ErrTrap))
	fmt.Println(err)
	// Output:
	// true
	// guest: module trapped: kv_set from a query
}
