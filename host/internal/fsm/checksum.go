package fsm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"sync"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/store"
)

// Every replica folds each entry it applies into a running checksum: the
// entry's index, the digest of its writes and its result. Replicas that
// agree have equal checksums at equal indexes. The leader proposes verify
// entries, each carrying its checksum at an index it has applied; every
// replica that applies one compares its own checksum at that index, at the
// same point of the log, so divergence is found without another protocol.
// Verify entries change neither the state nor the checksum.

// EncodeVerify returns a verify entry for the checksum at index:
// [entryVerify][index][checksum].
func EncodeVerify(index uint64, sum []byte) []byte {
	b := []byte{entryVerify}
	b = binary.BigEndian.AppendUint64(b, index)
	return append(b, sum...)
}

func decodeVerify(b []byte) (index uint64, sum []byte, ok bool) {
	if len(b) != 1+8+sha256.Size || b[0] != entryVerify {
		return 0, nil, false
	}
	return binary.BigEndian.Uint64(b[1:]), b[9:], true
}

// fold extends a running checksum with one applied entry.
func fold(prev []byte, index uint64, writes []byte, r sm.Result) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(binary.BigEndian.AppendUint64(nil, index))
	h.Write(writes)
	h.Write(binary.BigEndian.AppendUint64(nil, r.Value))
	h.Write(r.Data)
	return h.Sum(nil)
}

// Verdicts of a verify entry, as its result.
const (
	VerifyOK       = "ok"
	VerifyDiverged = "diverged"
	VerifyUnknown  = "unknown" // the index is too old, or before a restart
)

// recentSums remembers the checksums of the last recentSlots entries a
// replica applied, to answer verify entries. Its slots grow as entries
// come, so that a replica that applied few holds few.
type recentSums struct {
	mu    sync.Mutex
	slots []recentSum
}

type recentSum struct {
	index uint64
	sum   []byte
}

// recentSlots is how many checksums a replica remembers.
const recentSlots = 4096

func (r *recentSums) put(index uint64, sum []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := int(index % recentSlots)
	if i >= len(r.slots) {
		r.slots = append(r.slots, make([]recentSum, i+1-len(r.slots))...)
	}
	r.slots[i] = recentSum{index: index, sum: sum}
}

func (r *recentSums) get(index uint64) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := int(index % recentSlots)
	if i >= len(r.slots) {
		return nil, false
	}
	s := r.slots[i]
	return s.sum, s.index == index && s.sum != nil
}

// verify compares this replica's checksum at index with the leader's
// want, for a verify entry at the index at: the one it remembers, or its
// current sum if no entry changed that since changedAt (its state at every
// index from changedAt to at is the current one, however long ago it was
// applied, and across restarts: see store.Coverage).
func (s *StateMachine) verify(index uint64, want, sum []byte, changedAt, at uint64) string {
	got, ok := s.recent.get(index)
	if !ok && sum != nil && changedAt <= index && index < at {
		got, ok = sum, true
	}
	switch {
	case !ok:
		return VerifyUnknown
	case bytes.Equal(got, want):
		s.verified.Store(index)
		return VerifyOK
	}
	if s.diverged.CompareAndSwap(0, index) && s.OnDivergence != nil {
		s.OnDivergence(index, want, got)
	}
	return VerifyDiverged
}

// Health is what a replica knows of its agreement with the leader.
type Health struct {
	// VerifiedIndex is the last index at which its checksum matched the
	// leader's.
	VerifiedIndex uint64
	// DivergedIndex is the first index at which it did not, or 0.
	DivergedIndex uint64
}

// Health reports the replica's verification state.
func (s *StateMachine) Health() Health {
	return Health{VerifiedIndex: s.verified.Load(), DivergedIndex: s.diverged.Load()}
}

// lastChange returns the index of the last entry that changed a shard's
// checksum, from its coverage as last recorded and its applied index: a
// machine records the coverage in every update that applies a verify
// entry, so an update since that did not ended with an entry that changed
// the checksum (every entry but a verify entry does). A store written
// before coverage was recorded counts its applied index as the last
// change.
func lastChange(c store.Coverage, applied uint64) uint64 {
	if c.At == applied {
		return c.ChangedAt
	}
	return applied
}

// Covered reports whether a verify entry has asked every replica about a
// shard's state as it stands, given its checksum, coverage and applied
// index as a replica stored them: whether no entry changed the state
// after the index the last one asked about. A shard that applied nothing
// has nothing to cover.
func Covered(sum []byte, c store.Coverage, applied uint64) bool {
	return sum == nil || c.AskedThrough >= lastChange(c, applied)
}
