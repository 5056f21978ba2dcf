package store

import (
	"encoding/binary"
	"errors"
)

const (
	tagShard  = 's'
	subUser   = 'u'
	subSystem = 'y'
	// subRecord holds the records a state machine keeps beside the
	// module's keys (see [Txn.SetRecord]).
	subRecord  = 'r'
	prefixSize = 1 + 8 + 1
)

// System key names.
const (
	sysApplied = "applied"
	sysClock   = "clock"
	// sysChecksum is the running checksum of the shard's applied entries.
	sysChecksum = "checksum"
	// sysCoverage is what verify entries have covered of the checksum
	// (see [Coverage]).
	sysCoverage = "coverage"
	// sysStored is the size of the shard's user keys and values (see
	// [Txn.StoredBytes]).
	sysStored = "stored"
)

// ErrEmptyKey is returned for an empty key. Size limits belong to the
// callers (the guest ABI has its own); the store only needs a key.
var ErrEmptyKey = errors.New("store: empty key")

func shardPrefix(shardID uint64) []byte {
	b := make([]byte, 9, prefixSize)
	b[0] = tagShard
	binary.BigEndian.PutUint64(b[1:], shardID)
	return b
}

// shardBounds returns the range [lo, hi) holding every key of a shard.
func shardBounds(shardID uint64) (lo, hi []byte) {
	lo = shardPrefix(shardID)
	if shardID == ^uint64(0) {
		return lo, []byte{tagShard + 1}
	}
	return lo, shardPrefix(shardID + 1)
}

func userPrefix(shardID uint64) []byte {
	return append(shardPrefix(shardID), subUser)
}

func userKey(shardID uint64, key []byte) []byte {
	return append(userPrefix(shardID), key...)
}

// isCachedKey reports whether the row cache keeps a key of the store: a
// module's key, or a shard's system key that every transaction reads (its
// clock, checksum and stored bytes; not the applied index, which
// transactions only write).
func isCachedKey(k []byte) bool {
	if len(k) < prefixSize || k[0] != tagShard {
		return false
	}
	switch k[prefixSize-1] {
	case subUser:
		return true
	case subSystem:
		return string(k[prefixSize:]) != sysApplied
	}
	return false
}

func sysKey(shardID uint64, name string) []byte {
	return append(append(shardPrefix(shardID), subSystem), name...)
}

func recordKey(shardID uint64, name []byte) []byte {
	return append(append(shardPrefix(shardID), subRecord), name...)
}

// userBounds maps a module's range [start, end) into the store's keyspace;
// an empty end means the end of the shard's user keys.
func userBounds(shardID uint64, start, end []byte) (lo, hi []byte) {
	lo = userKey(shardID, start)
	if len(end) == 0 {
		hi = append(shardPrefix(shardID), subUser+1)
	} else {
		hi = userKey(shardID, end)
	}
	return lo, hi
}

func checkKey(key []byte) error {
	if len(key) == 0 {
		return ErrEmptyKey
	}
	return nil
}

func putUint64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}

func getUint64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// prefixEnd returns the first key after every key that starts with
// prefix, or nil if there is none (prefix is all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
