package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble"
)

// A snapshot stream is a sequence of records, each
//
//	uvarint(len(key)) key uvarint(len(value)) value
//
// where key is relative to the shard (the tag and shard id are stripped, so
// a stream can be loaded under another shard id), closed by a zero-length
// key.

const (
	// recoverBatchBytes bounds the memory a recovery holds before committing.
	recoverBatchBytes = 4 << 20
	// maxFieldBytes bounds one key or value of a stream (a stored module is
	// the largest value there is).
	maxFieldBytes = 256 << 20
)

// errCorruptSnapshot is returned for a malformed stream.
var errCorruptSnapshot = errors.New("store: corrupt snapshot stream")

// Snapshot is a point-in-time image of a whole shard (user and system keys),
// taken by [DB.Snapshot] and written out by [Snapshot.WriteTo].
type Snapshot struct {
	snap    *pebble.Snapshot
	shardID uint64
}

// Snapshot captures a shard's state for streaming.
func (d *DB) Snapshot(shardID uint64) *Snapshot {
	return &Snapshot{snap: d.pdb.NewSnapshot(), shardID: shardID}
}

// WriteTo streams the shard's range to w and releases the snapshot. stop,
// when closed, aborts the stream.
func (s *Snapshot) WriteTo(w io.Writer, stop <-chan struct{}) error {
	defer s.snap.Close()
	lo, hi := shardBounds(s.shardID)
	iter := s.snap.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	bw := bufio.NewWriterSize(w, 64<<10)
	var hdr [binary.MaxVarintLen64]byte
	writeField := func(b []byte) error {
		n := binary.PutUvarint(hdr[:], uint64(len(b)))
		if _, err := bw.Write(hdr[:n]); err != nil {
			return err
		}
		_, err := bw.Write(b)
		return err
	}
	for ok := iter.First(); ok; ok = iter.Next() {
		select {
		case <-stop:
			_ = iter.Close()
			return fmt.Errorf("snapshot of shard %d: stopped", s.shardID)
		default:
		}
		if err := writeField(iter.Key()[len(lo):]); err != nil {
			_ = iter.Close()
			return fmt.Errorf("write snapshot of shard %d: %w", s.shardID, err)
		}
		if err := writeField(iter.Value()); err != nil {
			_ = iter.Close()
			return fmt.Errorf("write snapshot of shard %d: %w", s.shardID, err)
		}
	}
	if err := iter.Close(); err != nil {
		return fmt.Errorf("read shard %d for snapshot: %w", s.shardID, err)
	}
	if err := bw.WriteByte(0); err != nil {
		return fmt.Errorf("write snapshot of shard %d: %w", s.shardID, err)
	}
	return bw.Flush()
}

// Close releases a snapshot that was not written.
func (s *Snapshot) Close() error {
	return s.snap.Close()
}

// Recover replaces a shard's state with the stream read from r. The applied
// index is deleted first and written last, so a crash part-way leaves a
// shard that reports index 0 and is recovered again.
func (d *DB) Recover(shardID uint64, r io.Reader, stop <-chan struct{}) error {
	lo, hi := shardBounds(shardID)
	applied := sysKey(shardID, sysApplied)
	defer d.rows.dropShard(lo) // after the last of the shard's writes, committed or not
	batch := d.pdb.NewBatch()
	defer func() { _ = batch.Close() }()
	if err := batch.DeleteRange(lo, hi, nil); err != nil {
		return fmt.Errorf("recover shard %d: %w", shardID, err)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var appliedValue []byte
	for {
		select {
		case <-stop:
			return fmt.Errorf("recover shard %d: stopped", shardID)
		default:
		}
		rel, err := readField(br)
		if err != nil {
			return fmt.Errorf("recover shard %d: %w", shardID, err)
		}
		if len(rel) == 0 {
			break
		}
		value, err := readField(br)
		if err != nil {
			return fmt.Errorf("recover shard %d: %w", shardID, err)
		}
		key := append(append([]byte(nil), lo...), rel...)
		if string(key) == string(applied) {
			appliedValue = value
			continue
		}
		if err := batch.Set(key, value, nil); err != nil {
			return fmt.Errorf("recover shard %d: %w", shardID, err)
		}
		if batch.Len() >= recoverBatchBytes {
			if err := batch.Commit(pebble.NoSync); err != nil {
				return fmt.Errorf("recover shard %d: %w", shardID, err)
			}
			batch.Reset()
		}
	}
	if appliedValue != nil {
		if err := batch.Set(applied, appliedValue, nil); err != nil {
			return fmt.Errorf("recover shard %d: %w", shardID, err)
		}
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("recover shard %d: %w", shardID, err)
	}
	return nil
}

func readField(br *bufio.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errCorruptSnapshot, err)
	}
	if n > maxFieldBytes {
		return nil, fmt.Errorf("%w: field of %d bytes", errCorruptSnapshot, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		return nil, fmt.Errorf("%w: %w", errCorruptSnapshot, err)
	}
	return b, nil
}
