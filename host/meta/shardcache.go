package meta

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// Placement reads every shard's record of the catalogue for each shard it
// creates, and the reconciler of every host reads them all whenever one
// changes: decoding them all, which grows with the number of shards, was
// most of what creating a shard cost a cluster of a thousand. A record is
// decoded once: decodedShards keeps what each record's bytes decoded to,
// and hands out copies. Decoding is a pure function of the bytes, so what
// the catalogue's state machine computes with a copy is what it would
// compute with a fresh decoding, on every replica.

// maxDecodedShards bounds decodedShards: past it, it starts again empty.
// The bytes a record held before it changed are not looked up again.
const maxDecodedShards = 1 << 16

// decodedShards is the process's cache of decoded shard records, by their
// bytes, shared by its catalogue replica (or replicas, in tests) and
// reconciler.
var decodedShards = struct {
	sync.Mutex
	byRecord map[string]Shard
}{byRecord: make(map[string]Shard)}

// decodeShard decodes a shard record, or returns a copy of what the same
// bytes decoded to before.
func decodeShard(record []byte) (Shard, error) {
	c := &decodedShards
	c.Lock()
	s, ok := c.byRecord[string(record)]
	c.Unlock()
	if ok {
		return s.clone(), nil
	}
	if err := json.Unmarshal(record, &s); err != nil {
		return Shard{}, err
	}
	c.Lock()
	if len(c.byRecord) >= maxDecodedShards {
		clear(c.byRecord)
	}
	c.byRecord[string(record)] = s.clone()
	c.Unlock()
	return s, nil
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
	return out, err
}

// DecodeShards decodes the catalogue's listing of shards (OpListShards),
// each record once while its bytes stay the same (see decodeShard).
func DecodeShards(listing []byte) ([]Shard, error) {
	var records []json.RawMessage
	if err := json.Unmarshal(listing, &records); err != nil {
		return nil, fmt.Errorf("decode the list of shards: %w", err)
	}
	out := make([]Shard, 0, len(records))
	for i, record := range records {
		s, err := decodeShard(record)
		if err != nil {
			return nil, fmt.Errorf("decode shard %d of the list: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}
