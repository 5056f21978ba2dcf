package store

import (
	"fmt"

	"github.com/synodhq/synod/internal/outcome"
)

// Limits bound what one entry may write to a shard and what the shard may
// hold. An entry carries the limits its proposer stamped on it, so every
// replica applies it with the same ones and going over is the same
// outcome everywhere: the write that goes over fails with
// [outcome.OverLimit], and the entry's writes are rolled back. A zero
// limit is no limit: entries written before limits existed carry none,
// and the catalogue's own entries bound themselves.
type Limits struct {
	// WriteBytes bounds the bytes one entry writes: each set counts its
	// key and value, each delete its key.
	WriteBytes uint64
	// WriteKeys bounds how many writes (sets and deletes) one entry makes.
	WriteKeys uint64
	// StoredBytes bounds the size of the shard's user keys and values. A
	// set that would take the shard past it fails; a set that does not
	// grow the shard and a delete never do, so a full shard can be
	// emptied.
	StoredBytes uint64
}

// The limits of a shard that sets none, and the most a shard may set: the
// cluster's policy (docs/design.md, "Limits").
const (
	// DefaultWriteBytes bounds one command's writes to 16 MiB by default:
	// sixteen of the largest values.
	DefaultWriteBytes = 16 << 20
	// MaxWriteBytes is the most a shard may let one command write. With
	// a rollback's writes it bounds the storage batch of one entry well
	// under the store's.
	MaxWriteBytes = 64 << 20
	// DefaultWriteKeys bounds one command to 10,000 writes by default.
	DefaultWriteKeys = 10_000
	// MaxWriteKeys is the most writes a shard may let one command make.
	MaxWriteKeys = 100_000
	// DefaultStoredBytes bounds a shard's keys and values to 256 MiB by
	// default.
	DefaultStoredBytes = 256 << 20
	// MaxStoredBytes is the most a shard may hold: 64 GiB.
	MaxStoredBytes = 64 << 30
)

// WithDefaults returns the limits with each zero one set to its default.
func (l Limits) WithDefaults() Limits {
	if l.WriteBytes == 0 {
		l.WriteBytes = DefaultWriteBytes
	}
	if l.WriteKeys == 0 {
		l.WriteKeys = DefaultWriteKeys
	}
	if l.StoredBytes == 0 {
		l.StoredBytes = DefaultStoredBytes
	}
	return l
}

// Check returns an error naming the first limit over the cluster's cap.
func (l Limits) Check() error {
	for _, c := range []struct {
		name     string
		got, max uint64
	}{
		{"write bytes limit", l.WriteBytes, MaxWriteBytes},
		{"write keys limit", l.WriteKeys, MaxWriteKeys},
		{"stored bytes limit", l.StoredBytes, MaxStoredBytes},
	} {
		if c.got > c.max {
			return fmt.Errorf("%s %d is over the cluster's cap of %d", c.name, c.got, c.max)
		}
	}
	return nil
}

// overLimit is the outcome of a write past one of an entry's limits: the
// entry ran, and kept none of its writes.
func overLimit(code uint32, format string, args ...any) error {
	return outcome.New(outcome.OverLimit, outcome.AppliedYes, code, fmt.Sprintf(format, args...))
}
