package meta

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// The commands that move replicas read every shard's record of the
// catalogue, and the reconciler of every host reads them all now and then
// (it once did for each shard created, as placement did: decoding them
// all, which grows with the number of shards, was most of what creating a
// shard cost a cluster of a thousand). A record is decoded once:
// decodedShards keeps what each record's bytes decoded to, while the
// catalogue holds them, and hands out copies. Decoding is a pure function
// of the bytes, so what the catalogue's state machine computes with a copy
// is what it would compute with a fresh decoding, on every replica.

// maxDecodedShards bounds decodedShards between sweeps: past it, it
// starts again empty.
const maxDecodedShards = 1 << 17

// decodedShards is the process's cache of decoded shard records, by their
// bytes, shared by its catalogue replica (or replicas, in tests) and
// reconciler. Each entry records the sweep it was last used in: a sweep,
// after each reading of every shard, drops the entries that no reading
// used since the sweep before (records since changed, or deleted), so
// that the cache holds about what the catalogue does.
var decodedShards = struct {
	sync.Mutex
	byRecord map[string]*decodedShard
	sweeps   uint64
}{byRecord: make(map[string]*decodedShard)}

// decodedShard is what a record decoded to, and the sweep it was last
// used in.
type decodedShard struct {
	shard Shard
	used  uint64
}

// decodeShard decodes a shard record, or returns a copy of what the same
// bytes decoded to before.
func decodeShard(record []byte) (Shard, error) {
	c := &decodedShards
	c.Lock()
	d, ok := c.byRecord[string(record)]
	if ok {
		d.used = c.sweeps
		s := d.shard.clone()
		c.Unlock()
		return s, nil
	}
	c.Unlock()
	var s Shard
	if err := json.Unmarshal(record, &s); err != nil {
		return Shard{}, err
	}
	c.Lock()
	if len(c.byRecord) >= maxDecodedShards {
		clear(c.byRecord)
	}
	c.byRecord[string(record)] = &decodedShard{shard: s.clone(), used: c.sweeps}
	c.Unlock()
	return s, nil
}

// DecodeShardRecord decodes one shard's record, not through the process's
// cache of decoded records: only a reading of every record sweeps the
// cache, and a reader of a few records at a time would fill it.
func DecodeShardRecord(record []byte) (Shard, error) {
	var s Shard
	if err := json.Unmarshal(record, &s); err != nil {
		return Shard{}, err
	}
	return s, nil
}

// sweepDecodedShards drops the entries of decodedShards that were not used
// since the sweep before this one. It is called after each reading of
// every shard.
func sweepDecodedShards() {
	c := &decodedShards
	c.Lock()
	defer c.Unlock()
	for k, d := range c.byRecord {
		if d.used < c.sweeps {
			delete(c.byRecord, k)
		}
	}
	c.sweeps++
}

// clone returns a copy of s that shares no slice with it.
func (s Shard) clone() Shard {
	s.Replicas = slices.Clone(s.Replicas)
	s.Leaving = slices.Clone(s.Leaving)
	s.Initial = slices.Clone(s.Initial)
	return s
}

// listShards returns the shards whose records are under prefix, in order.
func listShards(r kv, prefix string) ([]Shard, error) {
	var out []Shard
	err := each(r, prefix, func(key, value []byte) error {
		s, err := decodeShard(value)
		if err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		out = append(out, s)
		return nil
	})
	if err == nil && prefix == keyShard {
		sweepDecodedShards()
	}
	return out, err
}

// DecodeShards decodes the catalogue's records of every shard
// (OpListShardRecords), each record once while its bytes stay the same
// (see decodeShard). It returns each shard's record too, a slice of
// listing: a shard whose record is the same bytes is the same. The records
// come framed, not as a JSON array: a host's reconciler reads them all at
// each shard created, and splitting an array of thousands was nearly half
// of its pass (a CPU profile while creating the 1,500th shard:
// json.Unmarshal into raw messages, 9% of a host's time).
func DecodeShards(listing []byte) ([]Shard, [][]byte, error) {
	var (
		out     []Shard
		records [][]byte
	)
	for rest := listing; len(rest) > 0; {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return nil, nil, fmt.Errorf("decode the list of shards: the length of record %d, at byte %d, is malformed or runs past the end", len(records), len(listing)-len(rest))
		}
		record := rest[k : k+int(n) : k+int(n)]
		rest = rest[k+int(n):]
		s, err := decodeShard(record)
		if err != nil {
			return nil, nil, fmt.Errorf("decode shard %d of the list: %w", len(records), err)
		}
		out, records = append(out, s), append(records, record)
	}
	sweepDecodedShards()
	return out, records, nil
}
