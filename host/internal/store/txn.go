package store

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"fmt"
	"hash"
	"math/bits"
	"slices"

	"github.com/cockroachdb/pebble"

	"github.com/synodhq/synod/internal/outcome"
)

// Txn collects the writes of a run of log entries of one shard into one
// atomic batch. Each entry is bracketed by [Txn.Begin] and either
// [Txn.Rollback], which undoes exactly that entry's writes, or nothing (its
// writes stay). [Txn.Commit] writes everything, with the applied index, at
// once.
//
// A Txn counts the bytes of the shard's user keys and values as it writes
// them, and enforces the [Limits] of the entry being applied.
type Txn struct {
	db      *pebble.DB // what the shard's keys held when the Txn began
	rows    *rowCache  // the same, for hot user and system keys
	shardID uint64
	undo    []undoRecord
	writes  hash.Hash // digest of the current entry's writes, in order

	limits Limits
	// wroteBytes and wroteKeys count the current entry's writes.
	wroteBytes, wroteKeys uint64
	// stored is the size of the shard's user keys and values, read at the
	// first Begin; storedAtBegin is what it was when the current entry
	// began.
	stored, storedAtBegin uint64
	storedRead            bool

	// known is the value, as it stands now, of each key the transaction
	// wrote and of each record it read: what the transaction reads of
	// its own writes, and what it commits (commitWritten). A record is
	// read from the store once (a keyed command reads its key's record
	// and the key statistics, then writes both, each write reading the
	// old value for its undo record). User keys a module only reads are
	// not kept: a module may read far more than it writes.
	known map[string]current
	// size and ops measure the writes made, the undoing writes of
	// rollbacks included, as a batch of them would (see Txn.Size).
	size, ops int

	// index holds every write made since it was built, for iterators,
	// which must see the transaction's writes merged with the store.
	// Built on the first iteration from the final values in known: most
	// runs of entries iterate over nothing (a put does not), and writing
	// each key into an indexed batch as well cost what its skiplist
	// insert costs, 4–6% of a follower's CPU under load.
	index *pebble.Batch
}

// current is the value of a key the transaction read or wrote, or its
// absence, and whether it wrote it.
type current struct {
	value   []byte
	absent  bool
	written bool
}

// undoRecord restores one key to the value it had before an entry wrote it:
// value (or its absence), or, if stored, what the store holds, which is
// what the key held before the transaction began (only the transaction
// writes its shard's keys, and it has not been committed).
type undoRecord struct {
	key    []byte
	value  []byte
	absent bool
	stored bool
}

// Txn starts a transaction on a shard.
func (d *DB) Txn(shardID uint64) *Txn {
	return &Txn{db: d.pdb, rows: d.rows, shardID: shardID, writes: sha256.New(), known: make(map[string]current), size: batchHeaderBytes}
}

// Begin marks the start of one entry's writes, which l bounds.
func (t *Txn) Begin(l Limits) error {
	if err := t.readStored(); err != nil {
		return err
	}
	t.undo = t.undo[:0]
	t.writes.Reset()
	t.storedAtBegin = t.stored
	t.Limit(l)
	return nil
}

// Limit starts counting the writes of one command, which l bounds: each
// command of an entry that holds several (a batch) has limits of its own.
func (t *Txn) Limit(l Limits) {
	t.limits, t.wroteBytes, t.wroteKeys = l, 0, 0
}

// Savepoint is a point in an entry's writes that [Txn.RollbackTo] returns
// to.
type Savepoint struct {
	undo   int
	stored uint64
	digest []byte
}

// Savepoint returns the point the entry's writes have reached.
func (t *Txn) Savepoint() (Savepoint, error) {
	digest, err := t.writes.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return Savepoint{}, fmt.Errorf("save the digest of shard %d's writes: %w", t.shardID, err)
	}
	return Savepoint{undo: len(t.undo), stored: t.stored, digest: digest}, nil
}

// RollbackTo undoes the writes made since sp, which must be a savepoint of
// the current entry, and takes them out of the entry's digest.
func (t *Txn) RollbackTo(sp Savepoint) error {
	if err := t.undoTo(sp.undo); err != nil {
		return err
	}
	t.stored = sp.stored
	if err := t.writes.(encoding.BinaryUnmarshaler).UnmarshalBinary(sp.digest); err != nil {
		return fmt.Errorf("restore the digest of shard %d's writes: %w", t.shardID, err)
	}
	return nil
}

// readStored reads the shard's stored bytes, once.
func (t *Txn) readStored() error {
	if t.storedRead {
		return nil
	}
	b, err := t.read(sysKey(t.shardID, sysStored), false)
	if err != nil {
		return fmt.Errorf("read stored bytes of shard %d: %w", t.shardID, err)
	}
	t.stored, t.storedRead = getUint64(b), true
	return nil
}

// Size returns the bytes a pebble batch of the transaction's writes, the
// undoing writes of rollbacks included, would hold.
func (t *Txn) Size() int { return t.size }

// Ops returns how many writes the transaction made, the undoing writes of
// rollbacks included.
func (t *Txn) Ops() int { return t.ops }

// batchHeaderBytes is the header of a pebble batch's encoding; each write
// adds its kind, its key and (for a set) its value, each with a uvarint
// length (batchBytes).
const batchHeaderBytes = 12

// batchBytes is what a write of k adds to a pebble batch's encoding.
func batchBytes(k, value []byte, absent bool) int {
	n := 1 + uvarintLen(len(k)) + len(k)
	if !absent {
		n += uvarintLen(len(value)) + len(value)
	}
	return n
}

// uvarintLen is the length of n's uvarint encoding: 7 bits a byte.
func uvarintLen(n int) int {
	return (bits.Len64(uint64(n)|1) + 6) / 7
}

// WritesDigest returns the SHA-256 of the writes since the last
// [Txn.Begin] (none after a [Txn.Rollback]), in the order they were made:
// what the entry did to the state, for the shard's running checksum.
func (t *Txn) WritesDigest() []byte {
	return t.writes.Sum(nil)
}

// digest adds one write to the entry's digest: an op byte, then each
// field with its length.
func (t *Txn) digest(op byte, fields ...[]byte) {
	t.writes.Write([]byte{op})
	for _, f := range fields {
		t.writes.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
		t.writes.Write(f)
	}
}

// Rollback undoes every write since the last [Txn.Begin].
func (t *Txn) Rollback() error {
	if err := t.undoTo(0); err != nil {
		return err
	}
	t.writes.Reset()
	t.stored = t.storedAtBegin
	return nil
}

// undoTo undoes the writes of the undo log past its first n records.
func (t *Txn) undoTo(n int) error {
	for i := len(t.undo) - 1; i >= n; i-- {
		u := t.undo[i]
		if u.stored {
			// Failing here leaves the entry half undone; the caller
			// fails the whole transaction, which is never committed.
			v, err := t.committed(u.key)
			if err != nil {
				return fmt.Errorf("roll back shard %d: %w", t.shardID, err)
			}
			u.value, u.absent = v, v == nil
		}
		if err := t.put(u.key, u.value, u.absent); err != nil {
			return fmt.Errorf("roll back shard %d: %w", t.shardID, err)
		}
	}
	t.undo = t.undo[:n]
	return nil
}

// WrittenUnder returns the user keys that begin with prefix which the
// current entry has written (set or deleted) and not rolled back, each
// once, in the order first written.
func (t *Txn) WrittenUnder(prefix []byte) [][]byte {
	p := userKey(t.shardID, prefix)
	var keys [][]byte
	seen := make(map[string]struct{})
	for _, u := range t.undo {
		if !bytes.HasPrefix(u.key, p) {
			continue
		}
		k := u.key[len(p)-len(prefix):]
		if _, dup := seen[string(k)]; !dup {
			seen[string(k)] = struct{}{}
			keys = append(keys, bytes.Clone(k))
		}
	}
	return keys
}

// Get returns the value of a user key as the transaction sees it.
func (t *Txn) Get(key []byte) (value []byte, ok bool, err error) {
	if err := checkKey(key); err != nil {
		return nil, false, err
	}
	val, err := t.read(userKey(t.shardID, key), false)
	if err != nil || val == nil {
		return nil, false, err
	}
	return append([]byte{}, val...), true, nil
}

// Scan returns up to limit user entries in [start, end) as the transaction
// sees them; an empty end means no upper bound.
func (t *Txn) Scan(start, end []byte, limit int) ([]KV, error) {
	index, err := t.indexed()
	if err != nil {
		return nil, err
	}
	return scan(index, t.shardID, start, end, limit)
}

// Set writes a user key. A write past the entry's limits fails with an
// [*outcome.Error] of kind [outcome.OverLimit], and writes nothing. The
// transaction keeps value: the caller must not change it afterwards.
func (t *Txn) Set(key, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	k := userKey(t.shardID, key)
	old, err := t.read(k, false)
	if err != nil {
		return err
	}
	grow := int64(len(value)) - int64(len(old))
	if old == nil {
		grow += int64(len(key))
	}
	if err := t.account(uint64(len(key))+uint64(len(value)), grow); err != nil {
		return err
	}
	t.undo = append(t.undo, undoRecord{key: k, value: old, absent: old == nil})
	if err := t.put(k, value, false); err != nil {
		return fmt.Errorf("set in shard %d: %w", t.shardID, err)
	}
	t.digest('s', key, value)
	return nil
}

// Delete deletes a user key; deleting an absent key is not an error, but
// counts as a write.
func (t *Txn) Delete(key []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	k := userKey(t.shardID, key)
	old, err := t.read(k, false)
	if err != nil {
		return err
	}
	var grow int64
	if old != nil {
		grow = -int64(len(key)) - int64(len(old))
	}
	if err := t.account(uint64(len(key)), grow); err != nil {
		return err
	}
	t.undo = append(t.undo, undoRecord{key: k, value: old, absent: old == nil})
	if err := t.put(k, nil, true); err != nil {
		return fmt.Errorf("delete in shard %d: %w", t.shardID, err)
	}
	t.digest('d', key)
	return nil
}

// read returns the value of the user key or record k as the transaction
// sees it, nil if it is absent, and keeps what it read from the store if
// keep (see Txn.known). The caller must not change it.
func (t *Txn) read(k []byte, keep bool) ([]byte, error) {
	if c, ok := t.known[string(k)]; ok {
		if c.absent {
			return nil, nil
		}
		return c.value, nil
	}
	v, err := t.committed(k)
	if err != nil {
		return nil, err
	}
	if keep {
		t.known[string(k)] = current{value: v, absent: v == nil}
	}
	return v, nil
}

// committed returns what the store holds for k, nil if it is absent, from
// the row cache for a user or system key it holds: for a key the
// transaction has not written, what the key holds in the transaction too.
// The caller must not change it.
func (t *Txn) committed(k []byte) ([]byte, error) {
	cached := isCachedKey(k)
	if cached {
		if v, absent, ok := t.rows.get(k); ok {
			if absent {
				return nil, nil
			}
			return v, nil
		}
	}
	v, err := get(t.db, k)
	if err != nil {
		return nil, fmt.Errorf("read shard %d: %w", t.shardID, err)
	}
	if cached {
		t.rows.put(string(k), v, v == nil)
	}
	return v, nil
}

// put writes the user key or record k: it remembers what k now is, and
// writes it to the indexed batch if there is one. value is the caller's,
// which must not change it.
func (t *Txn) put(k, value []byte, absent bool) error {
	if t.index != nil {
		if err := write(t.index, k, value, absent); err != nil {
			return err
		}
	}
	if value == nil && !absent {
		value = []byte{} // present, but empty: not absent
	}
	t.known[string(k)] = current{value: value, absent: absent, written: true}
	t.size += batchBytes(k, value, absent)
	t.ops++
	return nil
}

// write sets or deletes k in b.
func write(b *pebble.Batch, k, value []byte, absent bool) error {
	if absent {
		return b.Delete(k, nil)
	}
	return b.Set(k, value, nil)
}

// indexed returns the transaction's indexed batch (see Txn.index),
// building it on first use.
func (t *Txn) indexed() (*pebble.Batch, error) {
	if t.index != nil {
		return t.index, nil
	}
	b := t.db.NewIndexedBatch()
	for k, c := range t.known {
		if !c.written {
			continue
		}
		if err := write(b, []byte(k), c.value, c.absent); err != nil {
			_ = b.Close()
			return nil, fmt.Errorf("index the writes of shard %d: %w", t.shardID, err)
		}
	}
	t.index = b
	return b, nil
}

// account counts one write of n bytes that changes the shard's stored
// bytes by grow, or refuses it if it takes the entry past its write limits
// or, growing the shard, past its stored-bytes limit.
func (t *Txn) account(n uint64, grow int64) error {
	if err := t.readStored(); err != nil {
		return err
	}
	l := t.limits
	switch {
	case l.WriteKeys > 0 && t.wroteKeys+1 > l.WriteKeys:
		return overLimit(outcome.CodeWriteLimit, "the command made more than its limit of %d writes", l.WriteKeys)
	case l.WriteBytes > 0 && t.wroteBytes+n > l.WriteBytes:
		return overLimit(outcome.CodeWriteLimit, "the command wrote more than its limit of %d bytes", l.WriteBytes)
	}
	stored := t.stored + uint64(grow)
	if grow < 0 && uint64(-grow) > t.stored {
		stored = 0 // only for state written before the count began
	}
	if grow > 0 && l.StoredBytes > 0 && stored > l.StoredBytes {
		return overLimit(outcome.CodeStoredLimit, "the shard would hold %d bytes of keys and values, over its limit of %d", stored, l.StoredBytes)
	}
	t.wroteKeys++
	t.wroteBytes += n
	t.stored = stored
	return nil
}

// Record returns the value of the record name (see [Txn.SetRecord]), nil
// if there is none.
func (t *Txn) Record(name []byte) ([]byte, error) {
	v, err := t.read(recordKey(t.shardID, name), true)
	if v == nil || err != nil {
		return nil, err
	}
	return append([]byte{}, v...), nil
}

// SetRecord writes a record: state the state machine keeps beside the
// module's keys, which the module never sees (the results of commands
// with idempotency keys). Records are part of the shard's state: they are
// in its snapshots and in the digest of the entry's writes, and rollbacks
// undo them, but they are not counted against the entry's limits.
func (t *Txn) SetRecord(name, value []byte) error {
	if err := t.writeRecord(name, value, false); err != nil {
		return err
	}
	t.digest('r', name, value)
	return nil
}

// DeleteRecord deletes a record.
func (t *Txn) DeleteRecord(name []byte) error {
	if err := t.writeRecord(name, nil, true); err != nil {
		return err
	}
	t.digest('x', name)
	return nil
}

// writeRecord writes or deletes a record, with its undo record. Records
// are not counted, so their old value is needed only to undo the write:
// one the transaction has not seen is read only if the write is undone
// (most records written are new: a key's expiry record, for one).
func (t *Txn) writeRecord(name, value []byte, absent bool) error {
	k := recordKey(t.shardID, name)
	u := undoRecord{key: k, stored: true}
	if c, ok := t.known[string(k)]; ok {
		u = undoRecord{key: k, value: c.value, absent: c.absent}
	}
	t.undo = append(t.undo, u)
	if err := t.put(k, value, absent); err != nil {
		return fmt.Errorf("write record of shard %d: %w", t.shardID, err)
	}
	return nil
}

// Records returns up to limit records whose names start with prefix, in
// order of name.
func (t *Txn) Records(prefix []byte, limit int) ([]KV, error) {
	index, err := t.indexed()
	if err != nil {
		return nil, err
	}
	lo := recordKey(t.shardID, prefix)
	iter := index.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	var out []KV
	n := len(recordKey(t.shardID, nil))
	for ok := limit > 0 && iter.First(); ok; ok = len(out) < limit && iter.Next() {
		out = append(out, KV{Key: append([]byte(nil), iter.Key()[n:]...), Value: append([]byte(nil), iter.Value()...)})
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("scan records of shard %d: %w", t.shardID, err)
	}
	return out, nil
}

// LastRecordName returns the greatest name of a record that starts with
// prefix, as the transaction sees them (its own writes included), nil if
// there is none.
func (t *Txn) LastRecordName(prefix []byte) ([]byte, error) {
	index, err := t.indexed()
	if err != nil {
		return nil, err
	}
	lo := recordKey(t.shardID, prefix)
	iter := index.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	var name []byte
	if iter.Last() {
		name = append([]byte(nil), iter.Key()[len(recordKey(t.shardID, nil)):]...)
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("find the last record of shard %d: %w", t.shardID, err)
	}
	return name, nil
}

// SetClock records the shard's clock: the timestamp of the last applied
// command, in Unix nanoseconds.
func (t *Txn) SetClock(ns int64) error {
	return t.setSys(sysClock, putUint64(uint64(ns)))
}

// Clock returns the shard's clock as the transaction sees it.
func (t *Txn) Clock() (int64, error) {
	b, err := t.read(sysKey(t.shardID, sysClock), false)
	if err != nil {
		return 0, fmt.Errorf("read clock of shard %d: %w", t.shardID, err)
	}
	return int64(getUint64(b)), nil
}

// SetChecksum records the shard's running checksum (see fsm).
func (t *Txn) SetChecksum(sum []byte) error {
	return t.setSys(sysChecksum, sum)
}

// Checksum returns the shard's running checksum as the transaction sees
// it; nil before the first entry.
func (t *Txn) Checksum() ([]byte, error) {
	b, err := t.read(sysKey(t.shardID, sysChecksum), false)
	if err != nil {
		return nil, fmt.Errorf("read checksum of shard %d: %w", t.shardID, err)
	}
	return bytes.Clone(b), nil
}

// Coverage is what a shard's verify entries had covered of its running
// checksum (see fsm) when it was last recorded. Its indexes are log
// indexes, the same on every replica that recorded it at the same applied
// index. The store keeps it; what it means is fsm's.
type Coverage struct {
	// At is the applied index it was recorded at, or 0 if none was.
	At uint64
	// ChangedAt is the index of the last entry that had changed the
	// checksum, at At.
	ChangedAt uint64
	// AskedThrough is the highest index a verify entry applied by At had
	// asked about.
	AskedThrough uint64
}

// coverageSize is the size of a stored Coverage.
const coverageSize = 3 * 8

// SetCoverage records what verify entries have covered of the shard's
// running checksum.
func (t *Txn) SetCoverage(c Coverage) error {
	b := make([]byte, 0, coverageSize)
	b = binary.BigEndian.AppendUint64(b, c.At)
	b = binary.BigEndian.AppendUint64(b, c.ChangedAt)
	b = binary.BigEndian.AppendUint64(b, c.AskedThrough)
	return t.setSys(sysCoverage, b)
}

// Coverage returns the shard's last recorded Coverage as the transaction
// sees it, or the zero Coverage.
func (t *Txn) Coverage() (Coverage, error) {
	b, err := t.read(sysKey(t.shardID, sysCoverage), false)
	if err != nil {
		return Coverage{}, fmt.Errorf("read checksum coverage of shard %d: %w", t.shardID, err)
	}
	return decodeCoverage(t.shardID, b)
}

// decodeCoverage decodes a stored Coverage; nil is the zero one.
func decodeCoverage(shardID uint64, b []byte) (Coverage, error) {
	switch len(b) {
	case 0:
		return Coverage{}, nil
	case coverageSize:
		return Coverage{At: binary.BigEndian.Uint64(b), ChangedAt: binary.BigEndian.Uint64(b[8:]), AskedThrough: binary.BigEndian.Uint64(b[16:])}, nil
	}
	return Coverage{}, fmt.Errorf("checksum coverage of shard %d: %d bytes, want %d", shardID, len(b), coverageSize)
}

func (t *Txn) setSys(name string, v []byte) error {
	if err := t.put(sysKey(t.shardID, name), v, false); err != nil {
		return fmt.Errorf("set %s of shard %d: %w", name, t.shardID, err)
	}
	return nil
}

// Commit records index as the applied index and writes the batch. It does
// not wait for the disk: the Raft log is the durable record, and
// [DB.Sync] makes the state durable when dragonboat asks.
func (t *Txn) Commit(index uint64) error {
	if err := t.setSys(sysApplied, putUint64(index)); err != nil {
		return err
	}
	if t.storedRead {
		if err := t.setSys(sysStored, putUint64(t.stored)); err != nil {
			return err
		}
	}
	if err := t.commitWritten(); err != nil {
		t.rows.dropShard(shardPrefix(t.shardID)) // what the store now holds is not known
		return fmt.Errorf("commit shard %d at index %d: %w", t.shardID, index, err)
	}
	for k, c := range t.known {
		if isCachedKey([]byte(k)) {
			t.rows.put(k, c.value, c.absent)
		}
	}
	return nil
}

// commitWritten writes what the transaction's writes come to: the last
// value (or deletion) of each key written, in the order of keys. The
// writes themselves, rolled back ones and their undoing included (a keyed
// command alone writes the key statistics again), came in any order;
// pebble inserts a batch's writes into its memtable in order, each insert
// searching the memtable's skiplist from the last: in key order, from
// nearby. Under load, inserting the writes in the order made was a sixth
// of a follower's CPU.
func (t *Txn) commitWritten() error {
	keys := make([]string, 0, len(t.known))
	for k, c := range t.known {
		if c.written {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b := t.db.NewBatch()
	defer b.Close()
	for _, k := range keys {
		c := t.known[k]
		var err error
		if c.absent {
			err = b.Delete([]byte(k), nil)
		} else {
			err = b.Set([]byte(k), c.value, nil)
		}
		if err != nil {
			return err
		}
	}
	return b.Commit(pebble.NoSync)
}

// Close releases the transaction; writes not committed are discarded.
func (t *Txn) Close() {
	if t.index != nil {
		_ = t.index.Close()
	}
}
