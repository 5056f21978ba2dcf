package store

import (
	"container/list"
	"strings"
	"sync"
)

// rowOverhead is what a cached row costs beyond its key and value: the
// map entry, the list element, the row itself and the rounding of each
// allocation to its size class, roughly.
const rowOverhead = 160

// rowCache keeps the committed value (or absence) of the user keys that
// transactions read and wrote last, across every shard of the host,
// so that a transaction finds a hot key without searching pebble's
// memtables and levels: under load, each point read cost a follower as
// much as running the command's module. The shards' system keys that
// every transaction reads, whatever its commands (clock, checksum,
// stored bytes), are kept too. Records (idempotency keys, each read
// once and written once) are not kept: they would push the hot keys out.
// Least recently used rows go first once the cache holds more than its
// bytes.
//
// A row is always what the store holds: only a shard's transaction writes
// its keys, one at a time, and it puts what it wrote here once it has
// committed (see [Txn.Commit]); what replaces a shard's state otherwise
// ([DB.Recover], [DB.DeleteShard]) drops the shard's rows. So whether a
// key is found here or in pebble, a replica reads the same value. Rows
// hold copies: what a caller does with its slices later cannot change
// them.
type rowCache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	rows     map[string]*list.Element // of *row
	order    list.List                // most recently used first
}

// row is one cached key's value, or its absence.
type row struct {
	key    string
	value  []byte
	absent bool
}

func newRowCache(maxBytes int) *rowCache {
	return &rowCache{maxBytes: maxBytes, rows: make(map[string]*list.Element)}
}

// get returns the cached value of key and whether the cache knows it. The
// value must not be changed.
func (c *rowCache) get(key []byte) (value []byte, absent, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.rows[string(key)]
	if !ok {
		return nil, false, false
	}
	c.order.MoveToFront(e)
	r := e.Value.(*row)
	return r.value, r.absent, true
}

// put records what key holds in the store, in a copy. A row larger than a
// sixteenth of the cache is not kept, and its older version is dropped.
// A cache of no bytes or fewer keeps nothing.
func (c *rowCache) put(key string, value []byte, absent bool) {
	size := len(key) + len(value) + rowOverhead
	if !absent {
		value = append([]byte{}, value...) // empty, but not nil: present
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.rows[key]
	if size > c.maxBytes/16 {
		if ok {
			c.remove(e)
		}
		return
	}
	if ok {
		// The row changes in place (a value handed out by get stays
		// as it was: the row takes the new copy).
		r := e.Value.(*row)
		c.bytes += len(value) - len(r.value)
		r.value, r.absent = value, absent
		c.order.MoveToFront(e)
	} else {
		c.rows[key] = c.order.PushFront(&row{key: key, value: value, absent: absent})
		c.bytes += size
	}
	for c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
}

// remove drops one row; the caller holds mu.
func (c *rowCache) remove(e *list.Element) {
	r := c.order.Remove(e).(*row)
	delete(c.rows, r.key)
	c.bytes -= len(r.key) + len(r.value) + rowOverhead
}

// dropShard drops the rows of a shard's keys, which begin with prefix
// (see shardPrefix): the rows of other shards stay.
func (c *rowCache) dropShard(prefix []byte) {
	p := string(prefix)
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.rows {
		if strings.HasPrefix(k, p) {
			c.remove(e)
		}
	}
}
