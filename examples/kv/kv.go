package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

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

// command is one JSON command. Pointer fields tell absent (or null) from
// empty.
type command struct {
	Op     string  `json:"op"`
	Key    *string `json:"key"`
	Value  *string `json:"value"`
	Expect *string `json:"expect"`
	Prefix string  `json:"prefix"`
	Limit  int     `json:"limit"`
}

type okResult struct {
	OK bool `json:"ok"`
}

type getResult struct {
	Key   string  `json:"key"`
	Value *string `json:"value,omitempty"`
	Found bool    `json:"found"`
}

type item struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

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
	switch c.Op {
	case "get":
		return get(c)
	case "list":
		return list(c)
	case "put":
		return put(c)
	case "delete":
		return del(c)
	case "cas":
		return cas(c)
	case "put_then_fail":
		if _, err := put(c); err != nil {
			return nil, err
		}
		return nil, guest.Errorf(codeFailed, "put_then_fail: failing after the write, as asked")
	case "put_then_trap":
		if _, err := put(c); err != nil {
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
	switch c.Op {
	case "get":
		return get(c)
	case "list":
		return list(c)
	case "put", "delete", "cas", "put_then_fail", "put_then_trap":
		return nil, guest.Errorf(codeBadCommand, "op %q writes: propose it as an update, not a query", c.Op)
	}
	return nil, guest.Errorf(codeBadCommand, "unknown op %q", c.Op)
}

// parse decodes exactly one JSON command with no unknown fields.
func parse(b []byte) (*command, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c command
	if err := dec.Decode(&c); err != nil {
		return nil, guest.Errorf(codeBadCommand, "bad command: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, guest.Errorf(codeBadCommand, "bad command: data after the JSON object")
	}
	if c.Op == "" {
		return nil, guest.Errorf(codeBadCommand, "bad command: missing op")
	}
	return &c, nil
}

// key returns the command's key, or an application error if it is missing,
// empty or too long.
func (c *command) key() ([]byte, error) {
	switch {
	case c.Key == nil || *c.Key == "":
		return nil, guest.Errorf(codeBadCommand, "%s: missing or empty key", c.Op)
	case len(*c.Key) > guest.MaxKeySize:
		return nil, guest.Errorf(codeBadCommand, "%s: key of %d bytes exceeds %d", c.Op, len(*c.Key), guest.MaxKeySize)
	}
	return []byte(*c.Key), nil
}

// value returns the command's value, or an application error if it is
// missing or too long.
func (c *command) value() ([]byte, error) {
	switch {
	case c.Value == nil:
		return nil, guest.Errorf(codeBadCommand, "%s: missing value", c.Op)
	case len(*c.Value) > guest.MaxValueSize:
		return nil, guest.Errorf(codeBadCommand, "%s: value of %d bytes exceeds %d", c.Op, len(*c.Value), guest.MaxValueSize)
	}
	return []byte(*c.Value), nil
}

func get(c *command) ([]byte, error) {
	k, err := c.key()
	if err != nil {
		return nil, err
	}
	r := getResult{Key: *c.Key}
	if v, ok := guest.Get(k); ok {
		s := string(v)
		r.Value, r.Found = &s, true
	}
	return json.Marshal(r)
}

func list(c *command) ([]byte, error) {
	limit := c.Limit
	switch {
	case limit < 0 || limit > maxLimit:
		return nil, guest.Errorf(codeBadCommand, "list: limit %d is outside [0, %d]", limit, maxLimit)
	case limit == 0:
		limit = defaultLimit
	}
	r := listResult{Items: []item{}}
	for k, v := range guest.Prefix([]byte(c.Prefix)) {
		if len(r.Items) == limit {
			r.More = true
			break
		}
		r.Items = append(r.Items, item{Key: string(k), Value: string(v)})
	}
	return json.Marshal(r)
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
	return json.Marshal(okResult{OK: true})
}

func del(c *command) ([]byte, error) {
	k, err := c.key()
	if err != nil {
		return nil, err
	}
	guest.Delete(k)
	return json.Marshal(okResult{OK: true})
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
	case c.Expect != nil && string(cur) != *c.Expect:
		return nil, guest.Errorf(codeCASMismatch, "cas %q: value differs from expect", k)
	}
	guest.Set(k, v)
	return json.Marshal(okResult{OK: true})
}
