package fsm_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
)

// TestReplicasAgreeWhateverTheyKnow applies the same random log to two
// replicas of a shard: one whose state machine keeps what it learns in
// memory from entry to entry (the keys its shard keeps, when the oldest is
// due, the last commit's index and clock), and one whose state machine is
// new at every entry, knowing only its store. What a replica knows in
// memory may only spare it reads: every result, every record and the state
// must be the same. The log mixes keyed and unkeyed commands, retries,
// reused keys, keys out of order and below the others, batches (atomic
// ones that abort), windows that end and shards that run out of room for
// keys, over more keys than the first replica holds in memory.
func TestReplicasAgreeWhateverTheyKnow(t *testing.T) {
	t.Parallel()
	for seed := range 2 {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			l := &randomLog{rng: rand.New(rand.NewPCG(uint64(seed), 7)), clock: 1_000_000}
			keeps, forgets := openDB(t), openDB(t)
			s := fsm.New(7, keeps, &script{})
			var floor string // after the recovery
			for index := uint64(1); index <= 3000; index++ {
				e := l.entry(index)
				if index == 1000 {
					recoverFrom(t, s, forgets) // the same state: s forgets what it knew
				}
				fresh := fsm.New(7, forgets, &script{})
				if _, err := fresh.Open(nil); err != nil {
					t.Fatal(err)
				}
				got, want := update1(t, s, e), update1(t, fresh, e)
				if got.Value != want.Value || !bytes.Equal(got.Data, want.Data) {
					t.Fatalf("entry %d: result %v on the replica that remembers, %v on the one that does not", index, got, want)
				}
				if q, w := lookup(t, s, "call"), lookup(t, fresh, "call"); !bytes.Equal(q.Output, w.Output) || q.Index != w.Index {
					t.Fatalf("entry %d: query %q at %d, and %q at %d", index, q.Output, q.Index, w.Output, w.Index)
				}
				k, b := fsm.KeyStats(t, keeps, 7)
				if wk, wb := fsm.KeyStats(t, forgets, 7); k != wk || b != wb {
					t.Fatalf("entry %d: %d keys of %d bytes kept on the replica that remembers, %d of %d on the one that does not", index, k, b, wk, wb)
				}
				if index == 1000 {
					floor = fsm.KeyFloor(s)
				}
			}
			if fsm.KeyFloor(s) <= floor {
				t.Errorf("the replica's floor did not rise after the recovery (%q): the log did not fill a generation", floor)
			}
			a, b := strings.Split(fsm.AllRecords(t, keeps, 7), "\n"), strings.Split(fsm.AllRecords(t, forgets, 7), "\n")
			if i := firstDifference(a, b); i >= 0 {
				t.Errorf("%d and %d records; the first that differ, at %d: %q and %q", len(a), len(b), i, at(a, i), at(b, i))
			}
			if a, b := userState(t, keeps, 7), userState(t, forgets, 7); !mapsEqual(a, b) {
				t.Errorf("state differs: %q and %q", a, b)
			}
		})
	}
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

// update1 applies one entry and returns its result.
func update1(t *testing.T, s *fsm.StateMachine, e sm.Entry) sm.Result {
	t.Helper()
	got, err := s.Update([]sm.Entry{e})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	return got[0].Result
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
	ctx, err := s.PrepareSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.SaveSnapshot(ctx, &buf, nil); err != nil {
		t.Fatal(err)
	}
	return &buf
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
