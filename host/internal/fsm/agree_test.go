package fsm_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
)

// TestReplicasAgreeWhateverTheyKnow applies the same random log to two
// replicas of a shard: one whose state machine keeps what it learns in
// memory (the keys its shard keeps, when the oldest is due, the last
// commit's index and clock), and one made blind, which reads all of it
// from its store every time. What a replica knows in memory may only spare
// it reads: every result, query, checksum, record and the state must be
// the same. The log mixes keyed and unkeyed commands, retries, reused
// keys, keys out of order and below the others, batches (atomic ones that
// abort), windows that end and shards that run out of room for keys, in
// runs of entries applied together (some of which fail on the host and
// are not recorded), over more keys than the first replica holds in
// memory, with a snapshot's recovery on the way.
func TestReplicasAgreeWhateverTheyKnow(t *testing.T) {
	t.Parallel()
	for seed := range 2 {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			l := &randomLog{rng: rand.New(rand.NewPCG(uint64(seed), 7)), clock: 1_000_000}
			knows, blind := openDB(t), openDB(t)
			s, ref := fsm.New(7, knows, &script{}), fsm.New(7, blind, &script{})
			fsm.Blind(ref)
			const recovery = 1000 // s recovers from ref's state before this entry
			var floor string      // s's, after the recovery
			for index := uint64(1); index <= 3000; {
				es := make([]sm.Entry, 1+l.rng.IntN(4))
				for i := range es {
					es[i] = l.entry(index + uint64(i))
				}
				if index <= recovery && recovery < index+uint64(len(es)) {
					recoverFrom(t, s, blind) // the same state: s forgets what it knew
				}
				got, errS := updateAll(s, es)
				want, errRef := updateAll(ref, es)
				if (errS == nil) != (errRef == nil) {
					t.Fatalf("entries %d to %d: Update failed with %v on the replica that knows, %v on the blind one", index, index+uint64(len(es))-1, errS, errRef)
				}
				for i := range got {
					if got[i].Value != want[i].Value || !bytes.Equal(got[i].Data, want[i].Data) {
						t.Fatalf("entry %d: result %v on the replica that knows, %v on the blind one", es[i].Index, got[i], want[i])
					}
				}
				index += uint64(len(es))
				if q, w := lookup(t, s, "call"), lookup(t, ref, "call"); !bytes.Equal(q.Output, w.Output) || q.Index != w.Index {
					t.Fatalf("before entry %d: query %q at %d, and %q at %d", index, q.Output, q.Index, w.Output, w.Index)
				}
				k, b := fsm.KeyStats(t, knows, 7)
				if wk, wb := fsm.KeyStats(t, blind, 7); k != wk || b != wb {
					t.Fatalf("before entry %d: %d keys of %d bytes kept on the replica that knows, %d of %d on the blind one", index, k, b, wk, wb)
				}
				if a, b := checksum(t, knows), checksum(t, blind); !bytes.Equal(a, b) {
					t.Fatalf("before entry %d: checksums %x and %x", index, a, b)
				}
				if floor == "" && index > recovery {
					floor = fsm.KeyFloor(s)
				}
			}
			if fsm.KeyFloor(s) <= floor {
				t.Errorf("the replica's floor did not rise after the recovery (%q): the log did not fill a generation", floor)
			}
			a, b := strings.Split(fsm.AllRecords(t, knows, 7), "\n"), strings.Split(fsm.AllRecords(t, blind, 7), "\n")
			if i := firstDifference(a, b); i >= 0 {
				t.Errorf("%d and %d records; the first that differ, at %d: %q and %q", len(a), len(b), i, at(a, i), at(b, i))
			}
			if a, b := userState(t, knows, 7), userState(t, blind, 7); !mapsEqual(a, b) {
				t.Errorf("state differs: %q and %q", a, b)
			}
		})
	}
}

// updateAll applies a copy of entries and returns their results, or the
// error of a host failure (none of the entries is then recorded).
func updateAll(s *fsm.StateMachine, entries []sm.Entry) ([]sm.Result, error) {
	got, err := s.Update(slices.Clone(entries))
	if err != nil {
		return nil, err
	}
	out := make([]sm.Result, len(got))
	for i, e := range got {
		out[i] = e.Result
	}
	return out, nil
}

// checksum returns a shard's running checksum.
func checksum(t *testing.T, db *store.DB) []byte {
	t.Helper()
	v := db.View(7)
	defer v.Close()
	sum, err := v.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// firstDifference returns the first index at which a and b differ, or -1.
func firstDifference(a, b []string) int {
	for i := range max(len(a), len(b)) {
		if at(a, i) != at(b, i) {
			return i
		}
	}
	return -1
}

// at returns s[i], or "(none)" past its end.
func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}

// recoverFrom replaces s's state with a snapshot of the same shard in db.
func recoverFrom(t *testing.T, s *fsm.StateMachine, db *store.DB) {
	t.Helper()
	if err := s.RecoverFromSnapshot(snapshotOf(t, fsm.New(7, db, &script{})), nil); err != nil {
		t.Fatal(err)
	}
}

// snapshotOf returns a snapshot of s's state.
func snapshotOf(t *testing.T, s *fsm.StateMachine) *bytes.Buffer {
	t.Helper()
	buf, err := snapshot(s)
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

// snapshot returns a snapshot of s's state.
func snapshot(s *fsm.StateMachine) (*bytes.Buffer, error) {
	ctx, err := s.PrepareSnapshot()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := s.SaveSnapshot(ctx, &buf, nil); err != nil {
		return nil, err
	}
	return &buf, nil
}

// randomLog makes a random log of commands for the script state machine.
type randomLog struct {
	rng   *rand.Rand
	clock int64
	used  []keyed // keyed commands made, for retries and reuses
	seq   int
}

// idempotency returns settings: mostly roomy, sometimes a short window or
// room for a few keys.
func (l *randomLog) idempotency() fsm.Idempotency {
	idem := fsm.Idempotency{Window: 1_000_000, MaxKeys: 100_000, MaxBytes: 1 << 30}
	switch l.rng.IntN(8) {
	case 0:
		idem.Window = 300
	case 1:
		idem.MaxKeys = 3
	}
	return idem
}

// command returns a command: unkeyed, a retry or reuse of a key, or a
// new key, mostly rising with the clock, sometimes out of order or low.
func (l *randomLog) command() keyed {
	payloads := []string{"set a 1;call", "set b 2", "del a", "fail", "set c 3;call"}
	c := keyed{payload: payloads[l.rng.IntN(len(payloads))]}
	if l.rng.IntN(200) == 0 {
		c.payload = "hostfail" // the whole Update fails: nothing is recorded
	}
	switch r := l.rng.IntN(20); {
	case r < 3:
		return c
	case r < 6 && len(l.used) > 0:
		old := l.used[l.rng.IntN(len(l.used))]
		if r < 5 {
			return old // a retry
		}
		c.key = old.key // a reuse for another command
		return c
	case r < 7:
		c.key = fmt.Sprintf("-low-%d", l.rng.IntN(1000)) // below every time-first key
	default:
		l.seq++
		c.key = fmt.Sprintf("%015d-%06d", l.clock-l.rng.Int64N(200), l.seq)
	}
	l.used = append(l.used, c)
	return c
}

// entry returns the entry at index: one command or a batch of them.
func (l *randomLog) entry(index uint64) sm.Entry {
	l.clock += l.rng.Int64N(40)
	if l.rng.IntN(50) == 0 {
		l.clock += 1000 // past the short windows
	}
	budget := fsm.Budget{Idempotency: l.idempotency()}
	if l.rng.IntN(3) > 0 {
		c := l.command()
		return sm.Entry{Index: index, Cmd: fsm.EncodeCommand(l.clock, budget, []byte(c.key), []byte(c.payload))}
	}
	cmds := make([]fsm.BatchCommand, 1+l.rng.IntN(8))
	for i := range cmds {
		c := l.command()
		cmds[i] = fsm.BatchCommand{Key: []byte(c.key), Payload: []byte(c.payload)}
	}
	return sm.Entry{Index: index, Cmd: fsm.EncodeBatch(l.clock, budget, l.rng.IntN(2) == 0, cmds)}
}
