package fsm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/internal/outcome"
)

// Idempotency bounds what a shard keeps of the idempotency keys of its
// commands. It travels in each keyed command's entry, as the budget does,
// so that every replica keeps and expires the same keys.
type Idempotency struct {
	// Window is how long, by the shard's clock (the leaders' stamps in the
	// log, never a replica's own clock), a key's result is kept.
	Window time.Duration
	// MaxKeys bounds the keys a shard keeps at once.
	MaxKeys uint64
	// MaxBytes bounds the bytes of the keys and results a shard keeps.
	MaxBytes uint64
}

// Defaults and caps of the idempotency settings.
const (
	// DefaultIdempotencyWindow is how long a key is kept unless the shard
	// says otherwise: a day, as Stripe's API does.
	DefaultIdempotencyWindow = 24 * time.Hour
	// MaxIdempotencyWindow is the longest window a shard may set.
	MaxIdempotencyWindow = 30 * 24 * time.Hour
	// DefaultIdempotencyKeys is how many keys a shard keeps at once.
	DefaultIdempotencyKeys = 1_000_000
	// DefaultIdempotencyBytes is how many bytes of keys and results a
	// shard keeps at once.
	DefaultIdempotencyBytes = 256 << 20
	// MaxIdempotencyKeyBytes is the longest idempotency key.
	MaxIdempotencyKeyBytes = 255
)

// DefaultIdempotency returns the default idempotency settings.
func DefaultIdempotency() Idempotency {
	return Idempotency{Window: DefaultIdempotencyWindow, MaxKeys: DefaultIdempotencyKeys, MaxBytes: DefaultIdempotencyBytes}
}

// The idempotency records of a shard (store records, see
// [store.Txn.SetRecord]):
//
//   - "k" key: the command's SHA-256, when the key expires (Unix
//     nanoseconds, 8 bytes), and the entry's result (its value, 8 bytes,
//     then its data, which starts with the entry's index);
//   - "x" expiry key: nothing, so that keys are expired in order;
//   - "s": how many keys are kept and the bytes of their records (8 bytes
//     each).
var (
	recordKeyPrefix    = []byte("k")
	recordExpiryPrefix = []byte("x")
	recordStats        = []byte("s")
)

// expirePerEntry bounds the keys one entry expires, so that no entry pays
// for many; a full shard expires more before it refuses a key (see
// remember). Keys past their expiry but not yet expired are not found.
const (
	expirePerEntry = 64
	expireWhenFull = 4096
)

// resultReplayed is set in an entry's result value when it is the result
// of an earlier entry with the same idempotency key.
const resultReplayed = 1 << 32

// keyReused is the outcome of a command whose key the shard keeps for
// another command: a refusal (the entry ran and changed nothing).
func keyReused(key []byte) error {
	return outcome.New(outcome.Refused, outcome.AppliedYes, outcome.CodeIdempotencyKeyReused,
		fmt.Sprintf("idempotency key %q was used for a different command: a retry must send the same command", key))
}

// keyStats is the count and size of a shard's idempotency records.
type keyStats struct{ keys, bytes uint64 }

func readKeyStats(txn *store.Txn) (keyStats, error) {
	b, err := txn.Record(recordStats)
	if err != nil || len(b) != 16 {
		return keyStats{}, err
	}
	return keyStats{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}, nil
}

func (k keyStats) write(txn *store.Txn) error {
	return txn.SetRecord(recordStats, binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, k.keys), k.bytes))
}

// keyRecord is the record of one idempotency key.
type keyRecord struct {
	digest [sha256.Size]byte
	expiry int64
	result sm.Result
}

func (r keyRecord) encode() []byte {
	b := append([]byte(nil), r.digest[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.expiry))
	b = binary.BigEndian.AppendUint64(b, r.result.Value)
	return append(b, r.result.Data...)
}

func decodeKeyRecord(b []byte) (keyRecord, error) {
	const header = sha256.Size + 16
	if len(b) < header {
		return keyRecord{}, fmt.Errorf("idempotency record of %d bytes: %w", len(b), errMalformedCommand)
	}
	var r keyRecord
	copy(r.digest[:], b)
	r.expiry = int64(binary.BigEndian.Uint64(b[sha256.Size:]))
	r.result = sm.Result{Value: binary.BigEndian.Uint64(b[sha256.Size+8:]), Data: b[header:]}
	return r, nil
}

// recordSize is what a key's records count against the shard's bound.
func recordSize(key, record []byte) uint64 { return uint64(len(key) + len(record)) }

func expiryName(expiry int64, key []byte) []byte {
	return append(binary.BigEndian.AppendUint64(append([]byte(nil), recordExpiryPrefix...), uint64(expiry)), key...)
}

func keyName(key []byte) []byte { return append(append([]byte(nil), recordKeyPrefix...), key...) }

// keyBound is a bound, kept in memory by a replica's state machine, above
// every idempotency key its shard keeps: a key above it is not kept, and
// is not looked up. A key the shard does not keep (nearly every key) is
// otherwise looked up in the store, through every level of its tables;
// keys that start with the time, as the SDKs' and synod bench's do, are
// nearly always above the bound. Whether a key is looked up changes
// nothing but the cost: every replica computes the same.
//
// The bound is never below the greatest key record the state machine's
// transaction sees: only remember writes key records, and it raises the
// bound; expiry and rollbacks only leave it higher than it need be (one
// key far above the others, "zzz" say, keeps every later lookup until the
// replica restarts). A transaction that is not committed drops it.
type keyBound struct {
	max   []byte
	known bool // else max is to be read from the store
}

// above reports whether key is above every key the shard keeps.
func (b *keyBound) above(txn *store.Txn, key []byte) (bool, error) {
	if !b.known {
		last, err := txn.LastRecordName(recordKeyPrefix)
		if err != nil {
			return false, err
		}
		if last != nil {
			last = last[len(recordKeyPrefix):]
		}
		b.max, b.known = last, true
	}
	return bytes.Compare(key, b.max) > 0, nil
}

// kept raises the bound to a key the shard now keeps.
func (b *keyBound) kept(key []byte) {
	if b.known && bytes.Compare(key, b.max) > 0 {
		b.max = append(b.max[:0], key...)
	}
}

// forget drops the bound, to be read again from the store: the shard's
// state was replaced.
func (b *keyBound) forget() { b.max, b.known = nil, false }

// replay returns the result of the entry that first ran a command with the
// key, marked replayed, if the shard keeps it; the refusal [keyReused], as
// the result of the entry at index, if that command was another; or ok
// false if the shard keeps no such key. With ok false, old is the key's
// expired record the shard still holds, if any, for [remember].
func replay(txn *store.Txn, bound *keyBound, index uint64, cmd command, clock int64) (res sm.Result, ok bool, old []byte, err error) {
	if above, err := bound.above(txn, cmd.key); above || err != nil {
		return sm.Result{}, false, nil, err
	}
	b, err := txn.Record(keyName(cmd.key))
	if err != nil || b == nil {
		return sm.Result{}, false, nil, err
	}
	r, err := decodeKeyRecord(b)
	if err != nil {
		return sm.Result{}, false, nil, err
	}
	if r.expiry <= clock {
		return sm.Result{}, false, b, nil // expired, though not yet removed
	}
	if r.digest != sha256.Sum256(cmd.payload) {
		return encodeResult(index, 0, nil, keyReused(cmd.key)), true, nil, nil
	}
	r.result.Value |= resultReplayed
	return r.result, true, nil, nil
}

// remember keeps the result of the entry that ran a keyed command, and
// raises bound to its key, or returns a refusal if the shard may keep no
// more keys. old is the key's expired record that [replay] found, if any:
// the command's run wrote no records, so it is still the key's.
func remember(txn *store.Txn, bound *keyBound, cmd command, clock int64, res sm.Result, old []byte) error {
	stats, err := readKeyStats(txn)
	if err != nil {
		return err
	}
	name := keyName(cmd.key)
	if old != nil {
		// An expired record not yet removed: this one replaces it.
		if err := forget(txn, &stats, cmd.key, old); err != nil {
			return err
		}
	}
	r := keyRecord{digest: sha256.Sum256(cmd.payload), expiry: clock + int64(cmd.budget.Idempotency.Window), result: res}
	rec := r.encode()
	size := recordSize(cmd.key, rec)
	limits := cmd.budget.Idempotency
	full := func() bool { return stats.keys+1 > limits.MaxKeys || stats.bytes+size > limits.MaxBytes }
	if full() {
		if err := expire(txn, &stats, clock, expireWhenFull); err != nil {
			return err
		}
	}
	if full() {
		return outcome.New(outcome.OverLimit, outcome.AppliedYes, outcome.CodeIdempotencyKeysFull, fmt.Sprintf(
			"idempotency key %q: the shard keeps %d keys and %d bytes of their results, and may keep at most %d keys and %d bytes (each for %s): retry once older keys expire",
			cmd.key, stats.keys, stats.bytes, limits.MaxKeys, limits.MaxBytes, limits.Window))
	}
	if err := txn.SetRecord(name, rec); err != nil {
		return err
	}
	bound.kept(cmd.key)
	if err := txn.SetRecord(expiryName(r.expiry, cmd.key), nil); err != nil {
		return err
	}
	stats.keys++
	stats.bytes += size
	return stats.write(txn)
}

// expireKeys removes up to expirePerEntry keys whose time is up.
func expireKeys(txn *store.Txn, clock int64) error {
	stats, err := readKeyStats(txn)
	if err != nil || stats.keys == 0 {
		return err
	}
	return expire(txn, &stats, clock, expirePerEntry)
}

// expire removes up to limit keys whose time is up, oldest first, and
// records the stats if it removed any. It reads the expiry records one at
// a time, since the oldest is usually not due: reading limit of them for
// every entry took a sixth of a follower's CPU under load.
func expire(txn *store.Txn, stats *keyStats, clock int64, limit int) error {
	removed := false
	for range limit {
		oldest, err := txn.Records(recordExpiryPrefix, 1)
		if err != nil {
			return err
		}
		if len(oldest) == 0 {
			break
		}
		kv := oldest[0]
		name := kv.Key[len(recordExpiryPrefix):]
		if len(name) < 8 || int64(binary.BigEndian.Uint64(name)) > clock {
			break
		}
		key := name[8:]
		rec, err := txn.Record(keyName(key))
		if err != nil {
			return err
		}
		if err := txn.DeleteRecord(kv.Key); err != nil {
			return err
		}
		if rec != nil {
			if r, err := decodeKeyRecord(rec); err == nil && !bytes.Equal(expiryName(r.expiry, key), kv.Key) {
				continue // the key was used again since: this expiry is not its own
			}
			if err := forget(txn, stats, key, rec); err != nil {
				return err
			}
		}
		removed = true
	}
	if removed {
		return stats.write(txn)
	}
	return nil
}

// forget deletes a key's record and uncounts it.
func forget(txn *store.Txn, stats *keyStats, key, rec []byte) error {
	if err := txn.DeleteRecord(keyName(key)); err != nil {
		return err
	}
	stats.keys--
	stats.bytes -= recordSize(key, rec)
	return nil
}
