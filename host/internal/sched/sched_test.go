package sched

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// queued waits until the pool has n calls waiting.
func (p *Pool) queued(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		p.mu.Lock()
		got := 0
		for _, q := range p.waiting {
			got += len(q)
		}
		p.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls waiting, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestTurns checks that a freed slot goes to the shards with calls waiting
// in turn, whatever how many calls each has waiting.
func TestTurns(t *testing.T) {
	p := New(1)
	hold, err := p.Acquire(t.Context(), 9)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		order []uint64
		wg    sync.WaitGroup
	)
	for i, shard := range []uint64{1, 1, 1, 2, 3, 3} {
		wg.Go(func() {
			release, err := p.Acquire(context.Background(), shard)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, shard)
			mu.Unlock()
			release()
		})
		p.queued(t, i+1) // so that the calls queue in this order
	}
	hold()
	wg.Wait()
	want := []uint64{1, 2, 3, 1, 3, 1}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if p.free != 1 || len(p.turns) != 0 || len(p.waiting) != 0 {
		t.Fatalf("after every call: %d free, turns %v, waiting %v", p.free, p.turns, p.waiting)
	}
}

// TestGiveUp checks that a call whose context ends stops waiting, and
// leaves nothing behind: the slot goes to the next call.
func TestGiveUp(t *testing.T) {
	p := New(1)
	hold, err := p.Acquire(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := p.Acquire(ctx, 2)
		gaveUp <- err
	}()
	p.queued(t, 1)
	next := make(chan struct{})
	go func() {
		release, err := p.Acquire(context.Background(), 3)
		if err != nil {
			t.Error(err)
		}
		release()
		close(next)
	}()
	p.queued(t, 2)
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("a call whose context ended: %v", err)
	}
	hold()
	<-next
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.free != 1 || len(p.turns) != 0 || len(p.waiting) != 0 {
		t.Fatalf("after every call: %d free, turns %v, waiting %v", p.free, p.turns, p.waiting)
	}
}

// TestSlots checks that the pool runs up to its slots at once and no more.
func TestSlots(t *testing.T) {
	p := New(3)
	var releases []func()
	for shard := range uint64(3) {
		release, err := p.Acquire(t.Context(), shard)
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if _, err := p.Acquire(ctx, 7); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a fourth call with three slots taken: %v, want to wait until its deadline", err)
	}
	releases[0]()
	release, err := p.Acquire(t.Context(), 7)
	if err != nil {
		t.Fatal(err)
	}
	release()
}
