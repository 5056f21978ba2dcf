package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/outcome"
)

// gatedHost is a host whose Proposes and ProposeBatches wait, each, until
// the test answers them; only those and ID are called.
type gatedHost struct {
	Host
	calls chan *gatedCall
}

// gatedCall is one call to a gatedHost, answered on reply.
type gatedCall struct {
	batch bool
	cmds  []host.Command
	reply chan gatedReply
}

type gatedReply struct {
	res host.BatchResult
	err error
}

func (h *gatedHost) ID() uint64 { return 1 }

func (h *gatedHost) Propose(_ context.Context, _ uint64, cmd host.Command) (host.Result, error) {
	r := h.call(false, []host.Command{cmd})
	if r.err != nil {
		return host.Result{}, r.err
	}
	return r.res.Results[0], r.res.Errs[0]
}

func (h *gatedHost) ProposeBatch(_ context.Context, _ uint64, atomic bool, cmds []host.Command) (host.BatchResult, error) {
	if atomic {
		return host.BatchResult{}, errors.New("the coalescer sent an atomic batch")
	}
	r := h.call(true, cmds)
	return r.res, r.err
}

func (h *gatedHost) call(batch bool, cmds []host.Command) gatedReply {
	c := &gatedCall{batch: batch, cmds: cmds, reply: make(chan gatedReply)}
	h.calls <- c
	return <-c.reply
}

// answerOK answers each command of the call with its payload in capitals.
func (c *gatedCall) answerOK() {
	var res host.BatchResult
	for _, cmd := range c.cmds {
		res.Results = append(res.Results, host.Result{Output: []byte(strings.ToUpper(string(cmd.Payload)))})
		res.Errs = append(res.Errs, nil)
	}
	c.reply <- gatedReply{res: res}
}

// payloads returns the payloads of the call's commands, joined by commas.
func (c *gatedCall) payloads() string {
	var p []string
	for _, cmd := range c.cmds {
		p = append(p, string(cmd.Payload))
	}
	return strings.Join(p, ",")
}

// TestCoalescer checks how concurrent Proposes to one shard through one
// host are sent: alone while a flight is free, then in batches that
// answer each caller with its own command's outcome.
func TestCoalescer(t *testing.T) {
	t.Parallel()
	h := &gatedHost{calls: make(chan *gatedCall)}
	c := newCoalescer()
	type answer struct {
		res host.Result
		err error
	}
	propose := func(ctx context.Context, payload, key string) <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			res, err := c.propose(ctx, h, 7, host.Command{Payload: []byte(payload), IdempotencyKey: key})
			ch <- answer{res, err}
		}()
		return ch
	}
	next := func(want string, batch bool) *gatedCall {
		t.Helper()
		select {
		case call := <-h.calls:
			if call.batch != batch || call.payloads() != want {
				t.Fatalf("the host got %s (batch %v), want %s (batch %v)", call.payloads(), call.batch, want, batch)
			}
			return call
		case <-time.After(10 * time.Second):
			t.Fatalf("the host got no call; want %s", want)
			return nil
		}
	}
	queued := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			c.mu.Lock()
			got := len(c.lanes[laneKey{1, 7}].queue)
			c.mu.Unlock()
			if got == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d proposals queue, want %d", got, n)
			}
		}
	}
	ctx := t.Context()

	// As many as there are flights go at once, alone.
	var flights []*gatedCall
	var lone []<-chan answer
	for i := range maxFlights {
		lone = append(lone, propose(ctx, fmt.Sprint("lone", i), ""))
		flights = append(flights, next(fmt.Sprint("lone", i), false))
	}
	// The next ones queue; one whose context ends before a flight takes
	// it leaves the queue, not sent.
	a := propose(ctx, "a", "")
	queued(1)
	b := propose(ctx, "b", "")
	queued(2)
	cc := propose(ctx, "c", "")
	queued(3)
	gone, cancel := context.WithCancel(ctx)
	withdrawn := propose(gone, "withdrawn", "")
	queued(4)
	cancel()
	if w := <-withdrawn; !errors.Is(w.err, context.Canceled) || outcome.AppliedOf(w.err) != outcome.AppliedNo {
		t.Errorf("a proposal canceled in the queue: got %v (applied %v), want canceled, not applied", w.err, outcome.AppliedOf(w.err))
	}
	// A command the host would refuse in a batch goes alone at once.
	long := propose(ctx, "long", strings.Repeat("k", host.MaxIdempotencyKeyBytes+1))
	next("long", false).reply <- gatedReply{err: outcome.Errorf(outcome.Invalid, outcome.AppliedNo, "key too long")}
	if l := <-long; outcome.KindOf(l.err) != outcome.Invalid {
		t.Errorf("the long key's proposal: got %v, want its own refusal", l.err)
	}

	// A flight that lands sends the queue as one batch, and each caller
	// gets its own command's outcome.
	flights[0].answerOK()
	if got := <-lone[0]; got.err != nil || string(got.res.Output) != "LONE0" {
		t.Errorf("lone0: got %q, %v", got.res.Output, got.err)
	}
	batch := next("a,b,c", true)
	batch.reply <- gatedReply{res: host.BatchResult{
		Results: []host.Result{{Output: []byte("A")}, {Fuel: 2}, {Output: []byte("C")}},
		Errs:    []error{nil, &outcome.AppError{Code: 409}, nil},
	}}
	if got := <-a; got.err != nil || string(got.res.Output) != "A" {
		t.Errorf("a: got %q, %v", got.res.Output, got.err)
	}
	if got := <-b; !errors.As(got.err, new(*outcome.AppError)) || outcome.FuelOf(got.err) != 2 {
		t.Errorf("b: got %v (fuel %d), want its application error with its fuel", got.err, outcome.FuelOf(got.err))
	}
	if got := <-cc; got.err != nil || string(got.res.Output) != "C" {
		t.Errorf("c: got %q, %v", got.res.Output, got.err)
	}

	// A batch's own failure is each of its callers'.
	d := propose(ctx, "d", "")
	flights[0] = next("d", false)
	e := propose(ctx, "e", "")
	queued(1)
	f := propose(ctx, "f", "")
	queued(2)
	flights[1].answerOK()
	next("e,f", true).reply <- gatedReply{err: host.ErrNotLeader}
	for name, ch := range map[string]<-chan answer{"e": e, "f": f} {
		if got := <-ch; !errors.Is(got.err, host.ErrNotLeader) {
			t.Errorf("%s: got %v, want the batch's not-leader", name, got.err)
		}
	}
	for _, fl := range append(flights[:1], flights[2:]...) {
		fl.answerOK()
	}
	for _, ch := range append(lone[1:], d) {
		if got := <-ch; got.err != nil {
			t.Errorf("a lone proposal: %v", got.err)
		}
	}
	// A flight ends just after it answers: the lanes go soon after the
	// last call returns.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		c.mu.Lock()
		n := len(c.lanes)
		c.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d lanes kept after every call returned, want none", n)
		}
	}
}

// panickyHost is a host whose Proposes panic, as a bug in a host's client
// would.
type panickyHost struct{ Host }

func (panickyHost) ID() uint64 { return 1 }

func (panickyHost) Propose(context.Context, uint64, host.Command) (host.Result, error) {
	panic("a bug")
}

// TestCoalescerSurvivesAPanic checks that a call that panics ends its
// flight: net/http recovers a handler's panic, and a lane left with its
// flights taken would hold every later Propose of its shard.
func TestCoalescerSurvivesAPanic(t *testing.T) {
	t.Parallel()
	c := newCoalescer()
	for i := range maxFlights + 1 {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("call %d: the host's panic did not reach the caller", i)
				}
			}()
			_, _ = c.propose(t.Context(), panickyHost{}, 7, host.Command{Payload: []byte("x")})
		}()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.lanes) != 0 {
		t.Errorf("%d lanes kept after every call panicked, want none", len(c.lanes))
	}
}
