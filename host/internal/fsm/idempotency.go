package fsm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
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

// keptKeys is what a replica's state machine knows, in memory, of the
// idempotency keys its shard keeps, so that it need not look up a key the
// shard does not keep (nearly every key): a lookup goes through every
// level of the store's tables. It knows every kept key above a floor, by
// its hash, in two generations of at most keyGeneration each; a key above
// the floor that neither holds is not kept. When the newer generation
// fills, the floor rises to the greatest key of the older one, which is
// then dropped. Keys that start with the time, as the SDKs' and synod
// bench's do, are nearly always above the floor, even when many clients'
// keys reach the log out of order. Whether a key is looked up changes
// nothing but the cost: every replica computes the same.
//
// The floor starts at the greatest key record the state machine's
// transaction sees; only remember writes key records, and it adds their
// keys. Expiry and rollbacks leave hashes of keys no longer kept, which
// only cost a lookup (as does a hash that two keys share). One key far
// above the others ("zzz", say) becomes the floor once its generation is
// dropped, and leaves every later key looked up until it has expired and
// the replica reads its floor again (after a restart or a snapshot).
//
// It also knows a time before which no kept key expires, so that an entry
// need not read the oldest expiry record to find nothing due. A
// transaction that is not committed drops what it knows.
type keptKeys struct {
	floor        []byte
	known        bool // else floor is to be read from the store
	seed         maphash.Seed
	newer, older keyHashes

	due      int64 // no kept key expires before due, if dueKnown
	dueKnown bool

	// blind, for tests, makes the replica know nothing: every key is
	// looked up, every entry reads the oldest expiry, and no commit
	// publishes its index and clock, so that a query reads them from its
	// view (StateMachine.commit). Only the apply goroutine reads it.
	blind bool
}

// keyGeneration is how many keys a generation of [keptKeys] holds: 1,024
// are under 20 KiB, and at 5,000 keyed commands a second on one shard
// span 200 ms or more of the log, longer than a key spends on its way
// there.
const keyGeneration = 1024

// keyHashes is a generation of [keptKeys]: the hashes of its keys and the
// greatest of them.
type keyHashes struct {
	hashes map[uint64]struct{}
	max    []byte
}

// unkept reports whether the shard keeps no record of key.
func (k *keptKeys) unkept(txn *store.Txn, key []byte) (bool, error) {
	if k.blind {
		return false, nil
	}
	if !k.known {
		last, err := txn.LastRecordName(recordKeyPrefix)
		if err != nil {
			return false, err
		}
		if last != nil {
			last = last[len(recordKeyPrefix):]
		}
		k.floor, k.known = last, true
		k.seed = maphash.MakeSeed()
	}
	if bytes.Compare(key, k.floor) <= 0 {
		return false, nil
	}
	h := maphash.Bytes(k.seed, key)
	_, newer := k.newer.hashes[h]
	_, older := k.older.hashes[h]
	return !newer && !older, nil
}

// kept adds a key the shard now keeps.
func (k *keptKeys) kept(key []byte) {
	if !k.known || bytes.Compare(key, k.floor) <= 0 {
		return
	}
	if k.newer.hashes == nil {
		k.newer.hashes = make(map[uint64]struct{})
	}
	k.newer.hashes[maphash.Bytes(k.seed, key)] = struct{}{}
	if bytes.Compare(key, k.newer.max) > 0 {
		k.newer.max = append(k.newer.max[:0], key...)
	}
	if len(k.newer.hashes) < keyGeneration {
		return
	}
	if bytes.Compare(k.older.max, k.floor) > 0 {
		k.floor = append(k.floor[:0], k.older.max...)
	}
	clear(k.older.hashes)
	k.older.max = k.older.max[:0]
	k.newer, k.older = k.older, k.newer
}

// expires lowers due to a kept key's expiry.
func (k *keptKeys) expires(expiry int64) {
	k.due = min(k.due, expiry)
}

// forget drops what it knows, to be read again from the store: the
// shard's state was replaced, or the transaction it saw was not committed.
func (k *keptKeys) forget() { *k = keptKeys{blind: k.blind} }

// replay returns the result of the entry that first ran a command with the
// key, marked replayed, if the shard keeps it; the refusal [keyReused], as
// the result of the entry at index, if that command was another; or ok
// false if the shard keeps no such key. With ok false, old is the key's
// expired record the shard still holds, if any, for [remember].
func replay(txn *store.Txn, keys *keptKeys, index uint64, cmd command, clock int64) (res sm.Result, ok bool, old []byte, err error) {
	if unkept, err := keys.unkept(txn, cmd.key); unkept || err != nil {
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
// adds its key to keys, or returns a refusal if the shard may keep no
// more keys. old is the key's expired record that [replay] found, if any:
// the command's run wrote no records, so it is still the key's.
func remember(txn *store.Txn, keys *keptKeys, cmd command, clock int64, res sm.Result, old []byte) error {
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
		if err := expire(txn, keys, &stats, clock, expireWhenFull); err != nil {
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
	keys.kept(cmd.key)
	if err := txn.SetRecord(expiryName(r.expiry, cmd.key), nil); err != nil {
		return err
	}
	keys.expires(r.expiry)
	stats.keys++
	stats.bytes += size
	return stats.write(txn)
}

// expireKeys removes up to expirePerEntry keys whose time is up.
func expireKeys(txn *store.Txn, keys *keptKeys, clock int64) error {
	if keys.dueKnown && clock < keys.due && !keys.blind {
		return nil
	}
	stats, err := readKeyStats(txn)
	if err != nil || stats.keys == 0 {
		return err
	}
	return expire(txn, keys, &stats, clock, expirePerEntry)
}

// expire removes up to limit keys whose time is up, oldest first, and
// records the stats if it removed any; when it finds the oldest not due,
// keys learns when it is. It reads the expiry records one at a time,
// since the oldest is usually not due: reading limit of them for every
// entry took a sixth of a follower's CPU under load.
func expire(txn *store.Txn, keys *keptKeys, stats *keyStats, clock int64, limit int) error {
	removed := false
	keys.dueKnown = false
	for range limit {
		oldest, err := txn.Records(recordExpiryPrefix, 1)
		if err != nil {
			return err
		}
		if len(oldest) == 0 {
			keys.due, keys.dueKnown = math.MaxInt64, true
			break
		}
		kv := oldest[0]
		name := kv.Key[len(recordExpiryPrefix):]
		if len(name) < 8 {
			break
		}
		if due := int64(binary.BigEndian.Uint64(name)); due > clock {
			keys.due, keys.dueKnown = due, true
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
