package store

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// View is a read-only, point-in-time view of one shard. Close it when done.
type View struct {
	snap    *pebble.Snapshot
	shardID uint64
}

// View returns a consistent view of a shard's current state.
func (d *DB) View(shardID uint64) *View {
	return &View{snap: d.pdb.NewSnapshot(), shardID: shardID}
}

// Get returns the value of a user key, or ok=false if it is absent.
func (v *View) Get(key []byte) (value []byte, ok bool, err error) {
	if err := checkKey(key); err != nil {
		return nil, false, err
	}
	val, err := get(v.snap, userKey(v.shardID, key))
	if err != nil {
		return nil, false, fmt.Errorf("get from shard %d: %w", v.shardID, err)
	}
	return val, val != nil, nil
}

// Scan returns up to limit user entries in [start, end) in key order; an
// empty end means no upper bound.
func (v *View) Scan(start, end []byte, limit int) ([]KV, error) {
	return scan(v.snap, v.shardID, start, end, limit)
}

// AppliedIndex returns the applied index the view reads at.
func (v *View) AppliedIndex() (uint64, error) {
	b, err := get(v.snap, sysKey(v.shardID, sysApplied))
	if err != nil {
		return 0, fmt.Errorf("read applied index of shard %d: %w", v.shardID, err)
	}
	return getUint64(b), nil
}

// Clock returns the shard's clock (see [Txn.SetClock]) as of the view.
func (v *View) Clock() (int64, error) {
	b, err := get(v.snap, sysKey(v.shardID, sysClock))
	if err != nil {
		return 0, fmt.Errorf("read clock of shard %d: %w", v.shardID, err)
	}
	return int64(getUint64(b)), nil
}

// StoredBytes returns the size of the shard's user keys and values as of
// the view (see [Txn.Begin]).
func (v *View) StoredBytes() (uint64, error) {
	b, err := get(v.snap, sysKey(v.shardID, sysStored))
	if err != nil {
		return 0, fmt.Errorf("read stored bytes of shard %d: %w", v.shardID, err)
	}
	return getUint64(b), nil
}

// Checksum returns the shard's running checksum as of the view.
func (v *View) Checksum() ([]byte, error) {
	b, err := get(v.snap, sysKey(v.shardID, sysChecksum))
	if err != nil {
		return nil, fmt.Errorf("read checksum of shard %d: %w", v.shardID, err)
	}
	return b, nil
}

// Coverage returns the shard's last recorded Coverage as of the view, or
// the zero Coverage.
func (v *View) Coverage() (Coverage, error) {
	b, err := get(v.snap, sysKey(v.shardID, sysCoverage))
	if err != nil {
		return Coverage{}, fmt.Errorf("read checksum coverage of shard %d: %w", v.shardID, err)
	}
	return decodeCoverage(v.shardID, b)
}

// Close releases the view.
func (v *View) Close() error {
	if err := v.snap.Close(); err != nil {
		return fmt.Errorf("close view of shard %d: %w", v.shardID, err)
	}
	return nil
}

// StateDigest returns the SHA-256 of the view's user keys and values, in
// key order, each written as uvarint(len(key)) key uvarint(len(value))
// value. It depends on nothing but those keys and values: two shards whose
// modules stored the same entries have the same digest, whatever their
// histories, which the running checksum (it folds in every result and
// index) does not give. It reads the whole shard, so it is for checks, not
// for a hot path.
func (v *View) StateDigest() ([]byte, error) {
	lo, hi := userBounds(v.shardID, nil, nil)
	iter := v.snap.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	h := sha256.New()
	var hdr [binary.MaxVarintLen64]byte
	for ok := iter.First(); ok; ok = iter.Next() {
		k, val := iter.Key()[len(lo):], iter.Value()
		h.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(k)))])
		h.Write(k)
		h.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(val)))])
		h.Write(val)
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("digest of shard %d: %w", v.shardID, err)
	}
	return h.Sum(nil), nil
}
