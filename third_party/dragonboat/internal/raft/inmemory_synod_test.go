package raft

// Synod: tests of change 9 (README.synod.md), run by Synod's make check
// and make test. Upstream's TestInMemoryEntriesSliceCanBeResized, not
// shipped here, expects the emptied log to be resized on the next tick,
// and fails with the change: there is nothing left to resize.

import (
	"testing"

	pb "github.com/lni/dragonboat/v4/raftpb"
)

// inMemoryWith returns a log holding entries from..to of term 1, all
// saved.
func inMemoryWith(t *testing.T, from, to uint64) *inMemory {
	t.Helper()
	im := newInMemory(from-1, nil)
	im.merge(entriesOf(from, to))
	im.savedLogTo(to, 1)
	return &im
}

func entriesOf(from, to uint64) []pb.Entry {
	var ents []pb.Entry
	for i := from; i <= to; i++ {
		ents = append(ents, pb.Entry{Index: i, Term: 1, Cmd: []byte{byte(i)}})
	}
	return ents
}

// checkEntries fails unless ents are the entries from..to of term 1 that
// entriesOf made.
func checkEntries(t *testing.T, what string, ents []pb.Entry, from, to uint64) {
	t.Helper()
	if uint64(len(ents)) != to-from+1 {
		t.Fatalf("%s: %d entries, want %d..%d", what, len(ents), from, to)
	}
	for i, e := range ents {
		if want := from + uint64(i); e.Index != want || e.Term != 1 || len(e.Cmd) != 1 || e.Cmd[0] != byte(want) {
			t.Fatalf("%s: entry %d is %+v, want index %d", what, i, e, want)
		}
	}
}

func TestSynodAppliedLogKeepsArraysOfItsSize(t *testing.T) {
	t.Run("all applied: no array", func(t *testing.T) {
		im := inMemoryWith(t, 1, 3)
		handed := im.getEntries(1, 4)
		im.appliedLogTo(3)
		if im.entries != nil || im.shrunk {
			t.Fatalf("entries %v (cap %d), shrunk %v after all were applied; want nil, not shrunk", im.entries, cap(im.entries), im.shrunk)
		}
		im.merge(entriesOf(4, 6))
		im.savedLogTo(6, 1)
		checkEntries(t, "the log", im.getEntries(4, 7), 4, 6)
		if cap(im.entries) >= int(entrySliceSize) {
			t.Errorf("the next entries took an array of %d", cap(im.entries))
		}
		checkEntries(t, "entries handed out before", handed, 1, 3)
	})

	t.Run("one left: an array of one", func(t *testing.T) {
		im := inMemoryWith(t, 1, 3)
		handed := im.getEntries(1, 4)
		im.appliedLogTo(2)
		if cap(im.entries) != 1 || im.shrunk {
			t.Fatalf("cap %d, shrunk %v with one entry left; want 1, not shrunk", cap(im.entries), im.shrunk)
		}
		checkEntries(t, "the log", im.getEntries(3, 4), 3, 3)
		im.merge(entriesOf(4, 5))
		checkEntries(t, "the log", im.getEntries(3, 6), 3, 5)
		checkEntries(t, "entries handed out before", handed, 1, 3)
	})

	t.Run("more left: resized as upstream", func(t *testing.T) {
		im := inMemoryWith(t, 1, 4)
		im.appliedLogTo(1)
		if cap(im.entries) != int(entrySliceSize) || im.shrunk {
			t.Fatalf("cap %d, shrunk %v with three entries left and no room; want %d, not shrunk", cap(im.entries), im.shrunk, entrySliceSize)
		}
		checkEntries(t, "the log", im.getEntries(2, 5), 2, 4)
	})
}
