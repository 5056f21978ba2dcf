package dragonboat

// Synod: tests of change 15 (README.synod.md), run by Synod's make check
// and make test: a replica's proposal and read-index queues start empty,
// grow with what they hold up to their size, and hand out what was added
// since the last get, in order, as the queues of fixed size did.

import (
	"testing"

	pb "github.com/lni/dragonboat/v4/raftpb"
)

func TestEntryQueueGrowsUpToItsSize(t *testing.T) {
	q := newEntryQueue(3, 1)
	if cap(q.left)+cap(q.right) != 0 {
		t.Fatalf("a new queue holds room for %d entries, want none", cap(q.left)+cap(q.right))
	}
	add := func(key uint64, want bool) {
		t.Helper()
		if ok, stopped := q.add(pb.Entry{Key: key, Cmd: []byte{byte(key)}}); ok != want || stopped {
			t.Fatalf("add(%d) = %t, stopped %t; want %t, not stopped", key, ok, stopped, want)
		}
	}
	keys := func(ents []pb.Entry) (out []uint64) {
		for _, e := range ents {
			out = append(out, e.Key)
		}
		return out
	}
	add(1, true)
	add(2, true)
	add(3, true)
	add(4, false) // full
	first := q.get(false)
	if got := keys(first); len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("first get = %v, want [1 2 3]", got)
	}
	add(5, true)
	if got := keys(q.get(false)); len(got) != 1 || got[0] != 5 {
		t.Fatalf("second get = %v, want [5]", got)
	}
	// The first get's buffer is written again, and its commands were
	// let go (lazy free, every cycle).
	for i, e := range first {
		if e.Cmd != nil {
			t.Fatalf("entry %d of the first get still holds its command after the buffer came back", i)
		}
	}
	add(6, true)
	add(7, true)
	if got := keys(q.get(false)); len(got) != 2 || got[0] != 6 || got[1] != 7 {
		t.Fatalf("third get = %v, want [6 7]", got)
	}
	// The buffer that held one entry takes two: one written over, one
	// appended.
	add(8, true)
	add(9, true)
	if got := keys(q.get(false)); len(got) != 2 || got[0] != 8 || got[1] != 9 {
		t.Fatalf("fourth get = %v, want [8 9]", got)
	}
	if got := q.get(false); len(got) != 0 {
		t.Fatalf("get of an empty queue = %v", keys(got))
	}
	if cap(q.left) > 4 || cap(q.right) > 4 {
		t.Fatalf("buffers grew to %d and %d for at most 3 entries", cap(q.left), cap(q.right))
	}
}

func TestReadIndexQueueGrowsUpToItsSize(t *testing.T) {
	q := newReadIndexQueue(2)
	if cap(q.left)+cap(q.right) != 0 {
		t.Fatalf("a new queue holds room for %d requests, want none", cap(q.left)+cap(q.right))
	}
	a, b, c := &RequestState{key: 1}, &RequestState{key: 2}, &RequestState{key: 3}
	for _, rs := range []*RequestState{a, b} {
		if ok, _ := q.add(rs); !ok {
			t.Fatalf("add(%d) refused below the size", rs.key)
		}
	}
	if ok, _ := q.add(c); ok {
		t.Fatal("add past the size accepted")
	}
	if n := q.pendingSize(); n != 2 {
		t.Fatalf("pendingSize = %d, want 2", n)
	}
	if got := q.get(); len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("get = %v, want [a b]", got)
	}
	if ok, _ := q.add(c); !ok {
		t.Fatal("add after a get refused")
	}
	if got := q.get(); len(got) != 1 || got[0] != c {
		t.Fatalf("get = %v, want [c]", got)
	}
}
