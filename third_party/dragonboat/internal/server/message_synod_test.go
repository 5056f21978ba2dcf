package server

// Synod: tests of change 15 (README.synod.md), run by Synod's make check
// and make test: a replica's receive queue starts empty, grows with what
// it holds up to its size, and hands out what was added since the last
// Get, in order.

import (
	"testing"

	pb "github.com/lni/dragonboat/v4/raftpb"
)

func TestMessageQueueGrowsUpToItsSize(t *testing.T) {
	q := NewMessageQueue(3, false, 1, 0)
	if cap(q.left)+cap(q.right) != 0 {
		t.Fatalf("a new queue holds room for %d messages, want none", cap(q.left)+cap(q.right))
	}
	add := func(from uint64, want bool) {
		t.Helper()
		m := pb.Message{Type: pb.Replicate, From: from, Entries: []pb.Entry{{Index: from}}}
		if ok, stopped := q.Add(m); ok != want || stopped {
			t.Fatalf("Add(%d) = %t, stopped %t; want %t, not stopped", from, ok, stopped, want)
		}
	}
	froms := func(ms []pb.Message) (out []uint64) {
		for _, m := range ms {
			out = append(out, m.From)
		}
		return out
	}
	add(1, true)
	add(2, true)
	add(3, true)
	add(4, false) // full
	first := q.Get()
	if got := froms(first); len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("first Get = %v, want [1 2 3]", got)
	}
	add(5, true)
	if got := froms(q.Get()); len(got) != 1 || got[0] != 5 {
		t.Fatalf("second Get = %v, want [5]", got)
	}
	for i, m := range first {
		if m.Entries != nil {
			t.Fatalf("message %d of the first Get still holds its entries after the buffer came back", i)
		}
	}
	add(6, true)
	if got := froms(q.Get()); len(got) != 1 || got[0] != 6 {
		t.Fatalf("third Get = %v, want [6]", got)
	}
	if !q.MustAdd(pb.Message{Type: pb.Unreachable, From: 7}) {
		t.Fatal("MustAdd refused")
	}
	add(8, true)
	if got := froms(q.Get()); len(got) != 2 || got[0] != 7 || got[1] != 8 {
		t.Fatalf("Get with a must-add message = %v, want [7 8]", got)
	}
}
