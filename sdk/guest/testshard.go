//go:build !wasip1

package guest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
)

// This file replaces the host on every platform but wasip1: the host*
// functions that abi_wasip1.go implements with synod imports are implemented
// here over the in-memory store of a TestShard, with the host's rules (limits,
// read-only queries, rollback, traps). Everything else, from buffer handling
// to paging and error mapping, is the code a real module runs.

// ErrTrap reports that a handler trapped: it panicked or broke a rule of the
// ABI, such as a write from a query or a key longer than [MaxKeySize]. A
// real host rolls the call back and answers with Connect code aborted.
// [TestShard] returns errors that wrap it; test for it with [errors.Is].
var ErrTrap = errors.New("guest: module trapped")

// hostPageBytes is where Synod's host ends a kv_scan page: once the encoding
// reaches it, after at least one entry.
const hostPageBytes = 4 << 20

var (
	// mu serialises every call on every TestShard: the handlers reach their
	// shard through package-level functions, as in a module, where calls
	// never overlap either.
	mu sync.Mutex
	// active is the call in progress, or nil.
	active *activeCall
)

// TestShard is an in-memory shard that runs a state machine's handlers
// natively, for unit tests. It keeps the host's rules: the limits, writes
// from a query trap, and an application error or a trap rolls back every
// write of the call.
//
// A TestShard is safe for concurrent use, and tests that use separate shards
// may run in parallel, but calls are serialised across all shards. Its
// methods must not be called from inside a handler.
type TestShard struct {
	handlers Handlers
	keys     []string // sorted
	values   map[string][]byte
}

// NewTestShard returns an empty shard that runs h. Pass it the same
// [Handlers] that the module passes to [Register].
func NewTestShard(h Handlers) *TestShard {
	return &TestShard{handlers: h, values: make(map[string][]byte)}
}

// Update runs the Update handler on cmd as a committed command, as
// synod_update does. It returns the result, or an error: an [*Error] with the
// code and message a client would receive, or an error wrapping [ErrTrap].
// On error every write of the call is rolled back.
func (s *TestShard) Update(cmd []byte) ([]byte, error) {
	return s.call("update", s.handlers.Update, cmd, false)
}

// Query runs the Query handler on q, as synod_query does, with the same
// results as [TestShard.Update]. A write from the handler traps.
func (s *TestShard) Query(q []byte) ([]byte, error) {
	return s.call("query", s.handlers.Query, q, true)
}

// Get returns the value of key in the shard, bypassing the handlers.
func (s *TestShard) Get(key []byte) (value []byte, ok bool) {
	mu.Lock()
	defer mu.Unlock()
	v, ok := s.values[string(key)]
	return bytes.Clone(v), ok
}

// Set sets key to value in the shard, bypassing the handlers, for example to
// set up a test's initial state.
func (s *TestShard) Set(key, value []byte) {
	mu.Lock()
	defer mu.Unlock()
	s.put(string(key), value)
}

// All returns a copy of every entry of the shard, in ascending key order.
func (s *TestShard) All() iter.Seq2[[]byte, []byte] {
	mu.Lock()
	keys := slices.Clone(s.keys)
	values := make([][]byte, len(keys))
	for i, k := range keys {
		values[i] = bytes.Clone(s.values[k])
	}
	mu.Unlock()
	return func(yield func(key, value []byte) bool) {
		for i, k := range keys {
			if !yield([]byte(k), bytes.Clone(values[i])) {
				return
			}
		}
	}
}

func (s *TestShard) call(entry string, h func([]byte) ([]byte, error), req []byte, readOnly bool) ([]byte, error) {
	mu.Lock()
	defer mu.Unlock()
	c := &activeCall{shard: s, readOnly: readOnly, undo: make(map[string]prior)}
	active = c
	defer func() { active = nil }()

	// A module's next call reuses the request's memory, so a handler has
	// its input only until it returns: here it is cleared then, so that a
	// handler that keeps it fails its tests too.
	in := bytes.Clone(req)
	defer clear(in)
	// dispatch calls set_error whenever it returns non-zero.
	rc, err := c.enter(entry, h, in)
	if err == nil && rc == 0 {
		return c.output, nil
	}
	c.rollback()
	if err != nil {
		return nil, err
	}
	return nil, &Error{Code: c.code, Message: c.msg}
}

func (s *TestShard) put(key string, value []byte) {
	if _, ok := s.values[key]; !ok {
		i, _ := slices.BinarySearch(s.keys, key)
		s.keys = slices.Insert(s.keys, i, key)
	}
	s.values[key] = bytes.Clone(value)
}

func (s *TestShard) delete(key string) {
	if i, ok := slices.BinarySearch(s.keys, key); ok {
		s.keys = slices.Delete(s.keys, i, i+1)
		delete(s.values, key)
	}
}

// activeCall is the state of one entry-point call: what the host tracks
// between the guest's host calls.
type activeCall struct {
	shard    *TestShard
	readOnly bool
	undo     map[string]prior // each written key's value before the call
	output   []byte
	code     uint32
	msg      string
}

type prior struct {
	value  []byte
	exists bool
}

// enter runs the entry point, turning a panic into an error wrapping ErrTrap.
func (c *activeCall) enter(entry string, h func([]byte) ([]byte, error), req []byte) (rc int32, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("%w: %w", ErrTrap, e)
			} else {
				err = fmt.Errorf("%w: %v", ErrTrap, r)
			}
		}
	}()
	return dispatch(entry, h, req), nil
}

func (c *activeCall) write(op string, key []byte) {
	if c.readOnly {
		panic(op + " from a query")
	}
	checkKey(op, key)
	k := string(key)
	if _, ok := c.undo[k]; !ok {
		v, exists := c.shard.values[k]
		c.undo[k] = prior{value: v, exists: exists}
	}
}

func (c *activeCall) rollback() {
	for k, p := range c.undo {
		if p.exists {
			c.shard.put(k, p.value)
		} else {
			c.shard.delete(k)
		}
	}
}

func current(op string) *activeCall {
	if active == nil {
		panic("guest: " + op + " called outside a handler: run handlers through a TestShard")
	}
	return active
}

func checkKey(op string, key []byte) {
	if len(key) > MaxKeySize {
		panic(fmt.Sprintf("%s: key of %d bytes exceeds the %d-byte limit", op, len(key), MaxKeySize))
	}
}

func hostGet(key, buf []byte) int32 {
	c := current("kv_get")
	checkKey("kv_get", key)
	v, ok := c.shard.values[string(key)]
	if !ok {
		return -1
	}
	if len(v) <= len(buf) {
		copy(buf, v)
	}
	return int32(len(v))
}

func hostSet(key, value []byte) {
	c := current("kv_set")
	c.write("kv_set", key)
	if len(value) > MaxValueSize {
		panic(fmt.Sprintf("kv_set: value of %d bytes exceeds the %d-byte limit", len(value), MaxValueSize))
	}
	c.shard.put(string(key), value)
}

func hostDelete(key []byte) {
	c := current("kv_delete")
	c.write("kv_delete", key)
	c.shard.delete(string(key))
}

func hostScan(start, end []byte, limit int32, buf []byte) int32 {
	c := current("kv_scan")
	checkKey("kv_scan", start)
	checkKey("kv_scan", end)
	if limit <= 0 || limit > maxPageLimit {
		limit = maxPageLimit
	}
	i, _ := slices.BinarySearch(c.shard.keys, string(start))
	var enc []byte
	for _, k := range c.shard.keys[i:] {
		if limit == 0 || (len(end) > 0 && k >= string(end)) || len(enc) >= hostPageBytes {
			break
		}
		limit--
		v := c.shard.values[k]
		enc = binary.LittleEndian.AppendUint32(enc, uint32(len(k)))
		enc = append(enc, k...)
		enc = binary.LittleEndian.AppendUint32(enc, uint32(len(v)))
		enc = append(enc, v...)
	}
	if len(enc) <= len(buf) {
		copy(buf, enc)
	}
	return int32(len(enc))
}

func hostSetOutput(out []byte) {
	c := current("set_output")
	if len(out) > MaxResultSize {
		panic(fmt.Sprintf("set_output: result of %d bytes exceeds the %d-byte limit", len(out), MaxResultSize))
	}
	c.output = bytes.Clone(out)
}

func hostSetError(code uint32, msg string) {
	c := current("set_error")
	if len(msg) > MaxResultSize {
		panic(fmt.Sprintf("set_error: message of %d bytes exceeds the %d-byte limit", len(msg), MaxResultSize))
	}
	c.code, c.msg = code, msg
}
