package store

import (
	"errors"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble"
)

// Options sizes the pebble database. The zero value picks small-machine
// defaults.
type Options struct {
	// CacheBytes is the block cache size; 0 means 32 MiB.
	CacheBytes int64
	// MemTableBytes is the size of one memtable; 0 means 16 MiB.
	MemTableBytes int
	// RowCacheBytes bounds the cache of hot user keys' values (and of
	// the shards' system keys) that transactions read before pebble; 0
	// means 8 MiB, less than 0 none.
	RowCacheBytes int
}

// DB is the state database of one host.
type DB struct {
	pdb   *pebble.DB
	cache *pebble.Cache
	rows  *rowCache
}

// Open opens (creating if needed) the state database in dir.
func Open(dir string, o Options) (*DB, error) {
	if o.CacheBytes == 0 {
		o.CacheBytes = 32 << 20
	}
	if o.MemTableBytes == 0 {
		o.MemTableBytes = 16 << 20
	}
	if o.RowCacheBytes == 0 {
		o.RowCacheBytes = 8 << 20
	}
	cache := pebble.NewCache(o.CacheBytes)
	pdb, err := pebble.Open(dir, &pebble.Options{
		Cache:                       cache,
		MemTableSize:                o.MemTableBytes,
		MemTableStopWritesThreshold: 4,
		MaxConcurrentCompactions:    func() int { return 1 },
	})
	if err != nil {
		cache.Unref()
		return nil, fmt.Errorf("open state db %s: %w", dir, err)
	}
	return &DB{pdb: pdb, cache: cache, rows: newRowCache(o.RowCacheBytes)}, nil
}

// Close closes the database.
func (d *DB) Close() error {
	err := d.pdb.Close()
	d.cache.Unref()
	if err != nil {
		return fmt.Errorf("close state db: %w", err)
	}
	return nil
}

// Sync makes every committed write durable.
func (d *DB) Sync() error {
	if err := d.pdb.LogData(nil, pebble.Sync); err != nil {
		return fmt.Errorf("sync state db: %w", err)
	}
	return nil
}

// AppliedIndex returns the last index applied to a shard's state, 0 if none.
func (d *DB) AppliedIndex(shardID uint64) (uint64, error) {
	v, err := get(d.pdb, sysKey(shardID, sysApplied))
	if err != nil {
		return 0, fmt.Errorf("read applied index of shard %d: %w", shardID, err)
	}
	return getUint64(v), nil
}

// DeleteShard deletes every key of a shard, and compacts its range so
// that the disk space they took is reclaimed now rather than whenever
// compactions next reach it.
func (d *DB) DeleteShard(shardID uint64) error {
	lo, hi := shardBounds(shardID)
	defer d.rows.dropShard(lo)
	if err := d.pdb.DeleteRange(lo, hi, pebble.Sync); err != nil {
		return fmt.Errorf("delete shard %d: %w", shardID, err)
	}
	if err := d.pdb.Compact(lo, hi, true); err != nil {
		return fmt.Errorf("reclaim the space of deleted shard %d: %w", shardID, err)
	}
	return nil
}

type getter interface {
	Get(key []byte) ([]byte, io.Closer, error)
}

// get returns a copy of the value of key, or nil if absent. The copy of an
// empty value is empty but not nil, so that callers can tell it from an
// absent key.
func get(g getter, key []byte) ([]byte, error) {
	v, closer, err := g.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(v))
	copy(out, v)
	return out, closer.Close()
}

type iterable interface {
	NewIter(o *pebble.IterOptions) *pebble.Iterator
}

// KV is one key-value pair of a shard's user keyspace.
type KV struct {
	Key, Value []byte
}

// scan returns up to limit user entries of shard in [start, end), in order;
// an empty end means no upper bound.
func scan(it iterable, shardID uint64, start, end []byte, limit int) ([]KV, error) {
	lo, hi := userBounds(shardID, start, end)
	iter := it.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	var out []KV
	prefix := len(userPrefix(shardID))
	// Next only while more are wanted: a Next past the last entry wanted
	// would step over every older version of its key that the memtable
	// still holds.
	for ok := limit > 0 && iter.First(); ok; ok = len(out) < limit && iter.Next() {
		out = append(out, KV{
			Key:   append([]byte(nil), iter.Key()[prefix:]...),
			Value: append([]byte(nil), iter.Value()...),
		})
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("scan shard %d: %w", shardID, err)
	}
	return out, nil
}
