package fsm_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/internal/outcome"
)

// keyed is a command with an idempotency key.
type keyed struct {
	stamp   int64
	key     string
	payload string
}

// keyedEntries numbers keyed commands as log entries from first, with the
// given idempotency settings.
func keyedEntries(first uint64, idem fsm.Idempotency, cmds ...keyed) []sm.Entry {
	es := make([]sm.Entry, len(cmds))
	for i, c := range cmds {
		es[i] = sm.Entry{Index: first + uint64(i), Cmd: fsm.EncodeCommand(c.stamp, fsm.Budget{Idempotency: idem}, []byte(c.key), []byte(c.payload))}
	}
	return es
}

// apply applies entries and returns their decoded results.
func apply(t *testing.T, s *fsm.StateMachine, es []sm.Entry) []fsm.Result {
	t.Helper()
	got, err := s.Update(es)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	out := make([]fsm.Result, len(got))
	errs := make([]error, len(got))
	for i, e := range got {
		out[i], errs[i] = fsm.DecodeResult(e.Result)
		if errs[i] != nil {
			out[i].Output = []byte("error: " + errs[i].Error())
		}
	}
	return out
}

var aDay = fsm.DefaultIdempotency()

// TestIdempotencyKeyRunsOnce checks that a command whose key the shard
// keeps does not run again: its result is the first one's, with the first
// one's index, marked replayed; and that a failed command's outcome is
// kept as well as a success's.
func TestIdempotencyKeyRunsOnce(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	got := apply(t, s, keyedEntries(1, aDay,
		keyed{10, "k1", "set a 1;call"},
		keyed{11, "k1", "set a 1;call"},
		keyed{12, "", "set a 2"},
		keyed{13, "k1", "set a 1;call"},
		keyed{14, "k2", "fail"},
		keyed{15, "k2", "fail"},
	))
	first := got[0]
	if first.Replayed || first.Index != 1 || string(first.Output) != "7/1/10" {
		t.Fatalf("first command: got %+v, want it run at index 1", first)
	}
	for _, i := range []int{1, 3} {
		if r := got[i]; !r.Replayed || r.Index != 1 || !bytes.Equal(r.Output, first.Output) {
			t.Errorf("entry %d, the same key again: got %+v (%s), want the first result replayed", i+1, r, r.Output)
		}
	}
	if st := userState(t, db, 7); st["a"] != "2" {
		t.Errorf("a = %q, want 2: a replayed command wrote again", st["a"])
	}
	if r := got[5]; !r.Replayed || r.Index != 5 || string(r.Output) != string(got[4].Output) || !strings.Contains(string(r.Output), "failed as asked") {
		t.Errorf("a failed keyed command again: got %+v (%s), want the first failure replayed", r, r.Output)
	}
}

// TestIdempotencyKeyReused checks that a key sent with another command is
// refused, naming the key, and that the refused command changes nothing.
func TestIdempotencyKeyReused(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	es := keyedEntries(1, aDay, keyed{10, "transfer-42", "set a 1"}, keyed{11, "transfer-42", "set a 2"})
	got, err := s.Update(es)
	if err != nil {
		t.Fatal(err)
	}
	res, err := fsm.DecodeResult(got[1].Result)
	if res.Index != 2 {
		t.Errorf("the refused command's result has index %d, want its own, 2", res.Index)
	}
	var e *outcome.Error
	if !errors.As(err, &e) || e.Code != outcome.CodeIdempotencyKeyReused || e.Kind.Code().String() != "failed_precondition" ||
		e.Applied != outcome.AppliedYes || !strings.Contains(e.Message, "transfer-42") {
		t.Errorf("the key with another command: got %v, want failed_precondition naming the key", err)
	}
	if st := userState(t, db, 7); st["a"] != "1" {
		t.Errorf("a = %q, want 1", st["a"])
	}
}

// TestIdempotencyKeyExpires checks that a key is kept for its window by
// the clock in the log, whatever time it is on the replica, and runs
// again once the window has passed; and that expired keys are removed.
func TestIdempotencyKeyExpires(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	short := fsm.Idempotency{Window: 100, MaxKeys: 10, MaxBytes: 1 << 20}
	got := apply(t, s, keyedEntries(1, short,
		keyed{1000, "k", "call"},
		keyed{1099, "k", "call"}, // within the window
		keyed{1100, "k", "call"}, // the window has passed
		keyed{1150, "k", "call"},
	))
	want := []struct {
		index    uint64
		replayed bool
	}{{1, false}, {1, true}, {3, false}, {3, true}}
	for i, w := range want {
		if got[i].Index != w.index || got[i].Replayed != w.replayed {
			t.Errorf("entry %d: got index %d, replayed %v; want %d, %v", i+1, got[i].Index, got[i].Replayed, w.index, w.replayed)
		}
	}
	// Many keys, then long after their window: they are removed a few
	// an entry.
	var cmds []keyed
	for i := range 200 {
		cmds = append(cmds, keyed{2000, "many-" + string(rune('a'+i%26)) + string(rune('a'+i/26)), "call"})
	}
	apply(t, s, keyedEntries(5, fsm.Idempotency{Window: 100, MaxKeys: 1000, MaxBytes: 1 << 20}, cmds...))
	if n := fsm.KeptKeys(t, db, 7); n != 200 {
		t.Fatalf("%d keys kept after 200 keyed commands, want 200", n)
	}
	var later []keyed
	for range 10 {
		later = append(later, keyed{5000, "", "call"})
	}
	apply(t, s, keyedEntries(205, short, later...))
	if n := fsm.KeptKeys(t, db, 7); n != 0 {
		t.Errorf("%d keys kept long after their window, want 0", n)
	}
}

// TestIdempotencyKeysExpireAfterAnAbortedBatch checks that keys an
// aborted atomic batch brings back (it removed them to make room) are
// removed by the expiry that follows the batch, as on a replica that
// restarted just before it: a replica knows when its oldest key is due,
// and what a rollback restores may be due before that.
func TestIdempotencyKeysExpireAfterAnAbortedBatch(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	two := fsm.Idempotency{Window: 100, MaxKeys: 2, MaxBytes: 1 << 20}
	apply(t, s, keyedEntries(1, two, keyed{1000, "a", "call"}, keyed{1000, "b", "call"}))
	batch := fsm.EncodeBatch(1200, fsm.Budget{Idempotency: two}, true, []fsm.BatchCommand{
		{Key: []byte("c"), Payload: []byte("call")}, // expires a and b to be kept
		{Key: []byte("d"), Payload: []byte("fail")}, // aborts the batch
	})
	apply(t, s, []sm.Entry{{Index: 3, Cmd: batch}})
	if n := fsm.KeptKeys(t, db, 7); n != 0 {
		t.Errorf("%d keys kept after the batch, past their window, want 0", n)
	}
}

// TestIdempotencyKeysExpireAfterAHostFailure checks that keys a
// transaction expired are expired again when a host failure discarded it:
// the replica must not keep what it learnt there of when its oldest key
// is due.
func TestIdempotencyKeysExpireAfterAHostFailure(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	short := fsm.Idempotency{Window: 100, MaxKeys: 10, MaxBytes: 1 << 20}
	apply(t, s, keyedEntries(1, short, keyed{1000, "a", "call"}, keyed{1000, "b", "call"}))
	apply(t, s, keyedEntries(3, aDay, keyed{1000, "long", "call"}))
	// Entry 4 expires a and b, then entry 5 fails on the host: neither is
	// recorded.
	if _, err := s.Update(keyedEntries(4, aDay, keyed{1200, "", "call"}, keyed{1200, "", "hostfail"})); !errors.Is(err, errDisk) {
		t.Fatalf("Update with a host failure: %v, want %v", err, errDisk)
	}
	apply(t, s, keyedEntries(4, aDay, keyed{1200, "", "call"}))
	if n := fsm.KeptKeys(t, db, 7); n != 1 {
		t.Errorf("%d keys kept after their window, want 1", n)
	}
}

// TestIdempotencyKeyWithAShorterWindowExpires checks that a key kept for
// a shorter window than the keys before it is removed when its own window
// ends, before theirs.
func TestIdempotencyKeyWithAShorterWindowExpires(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	apply(t, s, keyedEntries(1, fsm.Idempotency{Window: 1000, MaxKeys: 10, MaxBytes: 1 << 20}, keyed{1000, "long", "call"}))
	apply(t, s, keyedEntries(2, fsm.Idempotency{Window: 10, MaxKeys: 10, MaxBytes: 1 << 20}, keyed{1001, "short", "call"}))
	apply(t, s, keyedEntries(3, aDay, keyed{1100, "", "call"}))
	if n := fsm.KeptKeys(t, db, 7); n != 1 {
		t.Errorf("%d keys kept after the shorter window ended, want 1", n)
	}
}

// TestIdempotencyKeysBound checks that a shard keeps at most its bound of
// keys: a keyed command past it is refused with resource_exhausted and
// keeps none of its writes, and once older keys expire it runs.
func TestIdempotencyKeysBound(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	two := fsm.Idempotency{Window: time.Second, MaxKeys: 2, MaxBytes: 1 << 20}
	got, err := s.Update(keyedEntries(1, two,
		keyed{10, "a", "set a 1"},
		keyed{11, "b", "set b 1"},
		keyed{12, "c", "set c 1"},
		keyed{12 + int64(time.Second), "c", "set c 1"},
	))
	if err != nil {
		t.Fatal(err)
	}
	_, err = fsm.DecodeResult(got[2].Result)
	var e *outcome.Error
	if !errors.As(err, &e) || e.Code != outcome.CodeIdempotencyKeysFull || e.Kind != outcome.OverLimit || !strings.Contains(e.Message, `"c"`) {
		t.Fatalf("a third key with room for two: got %v, want resource_exhausted naming the key", err)
	}
	if res, err := fsm.DecodeResult(got[3].Result); err != nil || res.Replayed {
		t.Errorf("the third key once the others expired: got %+v, %v; want it run", res, err)
	}
	if st := userState(t, db, 7); st["c"] != "1" || len(st) != 3 {
		t.Errorf("state %v, want a, b and c written once each", st)
	}
	bytesBound := fsm.Idempotency{Window: time.Second, MaxKeys: 100, MaxBytes: 100}
	got, err = s.Update(keyedEntries(5, bytesBound, keyed{20, "big", "call;call;call;call;call;call;call;call;call;call;call;call"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fsm.DecodeResult(got[0].Result); !errors.As(err, &e) || e.Code != outcome.CodeIdempotencyKeysFull {
		t.Errorf("a result larger than the bound on bytes: got %v, want resource_exhausted", err)
	}
}

// TestIdempotencyKeysInSnapshots checks that a replica recovered from a
// snapshot keeps the keys: a retry on it gets the first result.
func TestIdempotencyKeysInSnapshots(t *testing.T) {
	t.Parallel()
	src := fsm.New(7, openDB(t), &script{})
	first := apply(t, src, keyedEntries(1, aDay, keyed{10, "k", "set a 1;call"}))[0]
	snap := snapshotOf(t, src)
	dstDB := openDB(t)
	dst := fsm.New(7, dstDB, &script{})
	// The replica knew of a key below the snapshot's before it recovered:
	// what it knew of the keys it kept must not outlive its state.
	apply(t, dst, keyedEntries(1, aDay, keyed{5, "a", "set b 1"}))
	if err := dst.RecoverFromSnapshot(snap, nil); err != nil {
		t.Fatal(err)
	}
	got := apply(t, dst, keyedEntries(2, aDay, keyed{11, "k", "set a 1;call"}))[0]
	if !got.Replayed || got.Index != first.Index || !bytes.Equal(got.Output, first.Output) {
		t.Errorf("a retry on the recovered replica: got %+v, want the first result %+v replayed", got, first)
	}
	if n := fsm.KeptKeys(t, dstDB, 7); n != 1 {
		t.Errorf("the recovered replica keeps %d keys, want 1", n)
	}
}

// TestIdempotencyKeysFoundInAnyOrder checks that a retry finds its key
// whatever keys came after it or before it, and after a restart, when the
// replica knows nothing of the keys its shard keeps but what its store
// holds.
func TestIdempotencyKeysFoundInAnyOrder(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	first := apply(t, s, keyedEntries(1, aDay, keyed{10, "b", "set a 1;call"}, keyed{11, "c", "set a 2;call"}))
	retry := apply(t, s, keyedEntries(3, aDay, keyed{12, "b", "set a 1;call"}))[0]
	if !retry.Replayed || retry.Index != first[0].Index {
		t.Errorf("a retry of a key below the latest: %+v, want the first result %+v replayed", retry, first[0])
	}
	restarted := fsm.New(7, db, &script{})
	if _, err := restarted.Open(nil); err != nil {
		t.Fatal(err)
	}
	retry = apply(t, restarted, keyedEntries(4, aDay, keyed{13, "c", "set a 2;call"}))[0]
	if !retry.Replayed || retry.Index != first[1].Index {
		t.Errorf("a retry of the latest key after a restart: %+v, want the first result %+v replayed", retry, first[1])
	}
	if fresh := apply(t, restarted, keyedEntries(5, aDay, keyed{14, "d", "set a 3;call"}))[0]; fresh.Replayed || fresh.Index != 5 {
		t.Errorf("a new key after a restart: %+v, want it run at index 5", fresh)
	}
	// A key below the latest, kept after it, leaves the latest found.
	apply(t, restarted, keyedEntries(6, aDay, keyed{15, "a", "set a 4;call"}))
	if retry := apply(t, restarted, keyedEntries(7, aDay, keyed{16, "d", "set a 3;call"}))[0]; !retry.Replayed || retry.Index != 5 {
		t.Errorf("a retry of the latest key after a lower one was kept: %+v, want the result at index 5 replayed", retry)
	}
}

// TestIdempotencyKeysFoundOutOfOrder checks that a retry finds its key
// when keys reach the log out of order, as many clients' keys that start
// with the time do, over several times the keys a replica holds in
// memory: whether the key is among those it holds, older, or new.
func TestIdempotencyKeysFoundOutOfOrder(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	const block = 200 // keys that rise block by block, shuffled within each
	rng := rand.New(rand.NewPCG(1, 2))
	var order []int
	for b := 0; b < 4*fsm.KeyGeneration; b += block {
		for _, i := range rng.Perm(block) {
			order = append(order, b+i)
		}
	}
	key := func(n int) string { return fmt.Sprintf("t%08d", n) }
	indexOf := map[int]uint64{}
	index := uint64(1)
	for len(order) > 0 {
		n := min(len(order), 64)
		cmds := make([]keyed, n)
		for i, k := range order[:n] {
			cmds[i] = keyed{int64(index) + int64(i), key(k), "set a 1;call"}
			indexOf[k] = index + uint64(i)
		}
		for i, r := range apply(t, s, keyedEntries(index, aDay, cmds...)) {
			if r.Replayed {
				t.Fatalf("key %s replayed on its first use: %+v", cmds[i].key, r)
			}
		}
		index += uint64(n)
		order = order[n:]
	}
	last := 4*fsm.KeyGeneration - 1
	for _, k := range []int{0, block + 7, last - fsm.KeyGeneration - 3, last - fsm.KeyGeneration/2, last - 5, last} {
		r := apply(t, s, keyedEntries(index, aDay, keyed{int64(index), key(k), "set a 1;call"}))[0]
		if !r.Replayed || r.Index != indexOf[k] {
			t.Errorf("a retry of key %s: %+v, want the result at index %d replayed", key(k), r, indexOf[k])
		}
		index++
	}
	if r := apply(t, s, keyedEntries(index, aDay, keyed{int64(index), key(last) + "x", "set a 2;call"}))[0]; r.Replayed || r.Index != index {
		t.Errorf("a new key: %+v, want it run at index %d", r, index)
	}
}
