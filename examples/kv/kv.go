package main

import (
	"bytes"

	"github.com/synodhq/synod/sdk/guest"
)

// Application error codes; see the package documentation.
const (
	codeBadCommand  = 400
	codeCASMismatch = 409
	codeFailed      = 500
)

// List limits.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// command is one JSON command, as decodeCommand reads it.
//
// Its strings are slices of the command's bytes. Key, Value and Expect are
// nil when the command does not have them (or has null), which tells them
// from an empty string: the decoder never returns a nil string.
type command struct {
	Op     []byte
	Key    []byte
	Value  []byte
	Expect []byte
	Prefix []byte
	Limit  int
}

// The results. The handlers do not build these: they write them directly
// with the functions of encode.go, byte for byte as encoding/json writes
// these types, which the tests check. (In a guest, every allocation and
// every loop iteration costs: see README.md, "Why not encoding/json".)

// okResult is the result of put, delete and cas.
type okResult struct {
	OK bool `json:"ok"`
}

// getResult is the result of get.
type getResult struct {
	Key   string  `json:"key"`
	Value *string `json:"value,omitempty"`
	Found bool    `json:"found"`
}

// item is one entry of a listResult.
type item struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// listResult is the result of list.
type listResult struct {
	Items []item `json:"items"`
	More  bool   `json:"more,omitempty"`
}

// update applies a committed command.
func update(b []byte) ([]byte, error) {
	c, err := parse(b)
	if err != nil {
		return nil, err
	}
	switch string(c.Op) {
	case "get":
		return get(&c)
	case "list":
		return list(&c)
	case "put":
		return put(&c)
	case "delete":
		return del(&c)
	case "cas":
		return cas(&c)
	case "put_then_fail":
		if _, err := put(&c); err != nil {
			return nil, err
		}
		return nil, guest.Errorf(codeFailed, "put_then_fail: failing after the write, as asked")
	case "put_then_trap":
		if _, err := put(&c); err != nil {
			return nil, err
		}
		panic("put_then_trap: trapping after the write, as asked")
	}
	return nil, guest.Errorf(codeBadCommand, "unknown op %q", c.Op)
}

// query answers a read-only query: get or list.
func query(b []byte) ([]byte, error) {
	c, err := parse(b)
	if err != nil {
		return nil, err
	}
	switch string(c.Op) {
	case "get":
		return get(&c)
	case "list":
		return list(&c)
	case "put", "delete", "cas", "put_then_fail", "put_then_trap":
		return nil, guest.Errorf(codeBadCommand, "op %q writes: propose it as an update, not a query", c.Op)
	}
	return nil, guest.Errorf(codeBadCommand, "unknown op %q", c.Op)
}

// parse decodes exactly one JSON command with no unknown fields.
func parse(b []byte) (command, error) {
	c, err := decodeCommand(b)
	if err != nil {
		return command{}, guest.Errorf(codeBadCommand, "bad command: %v", err)
	}
	if len(c.Op) == 0 {
		return command{}, guest.Errorf(codeBadCommand, "bad command: missing op")
	}
	return c, nil
}

// key returns the command's key, or an application error if it is missing,
// empty or too long.
func (c *command) key() ([]byte, error) {
	switch {
	case len(c.Key) == 0:
		return nil, guest.Errorf(codeBadCommand, "%s: missing or empty key", c.Op)
	case len(c.Key) > guest.MaxKeySize:
		return nil, guest.Errorf(codeBadCommand, "%s: key of %d bytes exceeds %d", c.Op, len(c.Key), guest.MaxKeySize)
	}
	return c.Key, nil
}

// value returns the command's value, or an application error if it is
// missing or too long.
func (c *command) value() ([]byte, error) {
	switch {
	case c.Value == nil:
		return nil, guest.Errorf(codeBadCommand, "%s: missing value", c.Op)
	case len(c.Value) > guest.MaxValueSize:
		return nil, guest.Errorf(codeBadCommand, "%s: value of %d bytes exceeds %d", c.Op, len(c.Value), guest.MaxValueSize)
	}
	return c.Value, nil
}

func get(c *command) ([]byte, error) {
	k, err := c.key()
	if err != nil {
		return nil, err
	}
	v, found := guest.Get(k)
	return appendGetResult(make([]byte, 0, 32+len(k)+len(v)), k, v, found), nil
}

func list(c *command) ([]byte, error) {
	limit := c.Limit
	switch {
	case limit < 0 || limit > maxLimit:
		return nil, guest.Errorf(codeBadCommand, "list: limit %d is outside [0, %d]", limit, maxLimit)
	case limit == 0:
		limit = defaultLimit
	}
	if len(c.Prefix) > guest.MaxKeySize {
		return nil, guest.Errorf(codeBadCommand, "list: prefix of %d bytes exceeds %d", len(c.Prefix), guest.MaxKeySize)
	}
	out := append(make([]byte, 0, 256), `{"items":[`...)
	n, more := 0, false
	for k, v := range guest.Prefix(c.Prefix) {
		if n == limit {
			more = true
			break
		}
		if n > 0 {
			out = append(out, ',')
		}
		out = appendItem(out, k, v)
		n++
	}
	out = append(out, ']')
	if more {
		out = append(out, `,"more":true`...)
	}
	return append(out, '}'), nil
}

func put(c *command) ([]byte, error) {
	k, err := c.key()
	if err != nil {
		return nil, err
	}
	v, err := c.value()
	if err != nil {
		return nil, err
	}
	guest.Set(k, v)
	return okJSON, nil
}

func del(c *command) ([]byte, error) {
	k, err := c.key()
	if err != nil {
		return nil, err
	}
	guest.Delete(k)
	return okJSON, nil
}

// cas sets the key to value if its current value is expect, or if expect is
// absent and the key does not exist.
func cas(c *command) ([]byte, error) {
	k, err := c.key()
	if err != nil {
		return nil, err
	}
	v, err := c.value()
	if err != nil {
		return nil, err
	}
	cur, found := guest.Get(k)
	switch {
	case c.Expect == nil && found:
		return nil, guest.Errorf(codeCASMismatch, "cas %q: key exists", k)
	case c.Expect != nil && !found:
		return nil, guest.Errorf(codeCASMismatch, "cas %q: key does not exist", k)
	case c.Expect != nil && !bytes.Equal(cur, c.Expect):
		return nil, guest.Errorf(codeCASMismatch, "cas %q: value differs from expect", k)
	}
	guest.Set(k, v)
	return okJSON, nil
}
