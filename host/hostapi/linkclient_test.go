package hostapi

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synodhq/synod/internal/link"
)

// gatedLinker is a linker of a host that serves a stand-in's link, whose
// dials wait until released.
type gatedLinker struct {
	*linker
	dialling chan struct{} // closed once the first dial has begun
	release  func()        // lets the dials through; idempotent
	dials    atomic.Int64
}

// newGatedLinker returns a gatedLinker; the test releases its dials and
// closes it when it ends.
func newGatedLinker(t *testing.T) *gatedLinker {
	t.Helper()
	g := &gatedLinker{linker: newLinker(serveLinkOf(t, &standIn{}), &http.Client{}), dialling: make(chan struct{})}
	t.Cleanup(g.close)
	released := make(chan struct{})
	var began, once sync.Once
	g.release = func() { once.Do(func() { close(released) }) }
	t.Cleanup(g.release)
	dial := g.dial
	g.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		g.dials.Add(1)
		began.Do(func() { close(g.dialling) })
		<-released
		return dial(ctx, network, addr)
	}
	return g
}

// within returns what ch yields, failing the test if it yields nothing
// within a minute.
func within(t *testing.T, ch <-chan *link.Client, what string) *link.Client {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(time.Minute):
		t.Fatalf("%s: no answer within a minute", what)
		return nil
	}
}

// wantLink fails the test unless ch yields a link within a minute; who
// says whose call it answers.
func wantLink(t *testing.T, ch <-chan *link.Client, who string) {
	t.Helper()
	if within(t, ch, who) == nil {
		t.Fatalf("%s got no link", who)
	}
}

// wantNoLink fails the test unless ch yields no link (nil) within a
// minute.
func wantNoLink(t *testing.T, ch <-chan *link.Client, who string) {
	t.Helper()
	if within(t, ch, who) != nil {
		t.Fatalf("%s got a link", who)
	}
}

// wantDials checks that g dialled n times.
func (g *gatedLinker) wantDials(t *testing.T, n int64) {
	t.Helper()
	if got := g.dials.Load(); got != n {
		t.Errorf("%d dials, want %d", got, n)
	}
}

// call asks g for its link with ctx, on a goroutine, and returns where
// the answer comes.
func (g *gatedLinker) call(ctx context.Context) <-chan *link.Client {
	ch := make(chan *link.Client, 1)
	go func() { ch <- g.client(ctx) }()
	return ch
}

// TestCallsWaitForADialWithinTheirDeadlines: while a host's link is being
// dialled, the calls that need it wait for the dial within their own
// contexts: one whose context ends first gives up then (no link: its call
// fails at its deadline, not at the dial's, which may be linkDialTimeout
// away), and the others get the link once it is open, from one dial.
func TestCallsWaitForADialWithinTheirDeadlines(t *testing.T) {
	t.Parallel()
	g := newGatedLinker(t)
	first := g.call(t.Context())
	<-g.dialling
	patient := g.call(t.Context())
	hastyCtx, cancel := context.WithCancel(t.Context())
	hasty := g.call(hastyCtx)
	cancel()
	wantNoLink(t, hasty, "a call whose context ended during a dial")
	g.release()
	wantLink(t, first, "the call that began the dial")
	wantLink(t, patient, "a call that waited for the dial")
	g.wantDials(t, 1)
}

// TestDialOutlivesTheCallThatBeganIt: a call that began a dial and gave
// up does not end the dial: the next call gets the link it opened.
func TestDialOutlivesTheCallThatBeganIt(t *testing.T) {
	t.Parallel()
	g := newGatedLinker(t)
	ctx, cancel := context.WithCancel(t.Context())
	first := g.call(ctx)
	<-g.dialling
	cancel()
	wantNoLink(t, first, "the call that began the dial, its context ended")
	g.release()
	wantLink(t, g.call(t.Context()), "the next call")
	g.wantDials(t, 1)
}

// TestCloseDuringADial: a linker closed while it dials does not wait for
// the dial; the link the dial opens is closed, and no call gets it.
func TestCloseDuringADial(t *testing.T) {
	t.Parallel()
	g := newGatedLinker(t)
	first := g.call(t.Context())
	<-g.dialling
	closed := make(chan struct{})
	go func() { g.close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("closing the linker waited for its dial")
	}
	g.release()
	wantNoLink(t, first, "a call during the dial of a closed linker")
	g.mu.Lock()
	c := g.c
	g.mu.Unlock()
	if c != nil {
		t.Fatal("a closed linker keeps the link its dial opened")
	}
}
