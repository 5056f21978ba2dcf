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

// gatedHost is a host whose Proposes, ProposeBatches, Queries and
// QueryBatches wait, each, until the test answers them; only those and ID
// are called.
type gatedHost struct {
	Host
	calls chan *gatedCall
}

// gatedCall is one call to a gatedHost, answered on reply.
type gatedCall struct {
	batch bool
	// kind is "propose", or "query" and its consistency.
	kind  string
	cmds  []host.Command // a query's payload is its command's
	reply chan gatedReply
}

// queryKind is the kind of a call that queries at c.
func queryKind(c host.Consistency) string { return fmt.Sprint("query ", c) }

type gatedReply struct {
	res host.BatchResult
	err error
}

func (h *gatedHost) ID() uint64 { return 1 }

func (h *gatedHost) Propose(_ context.Context, _ uint64, cmd host.Command) (host.Result, error) {
	return h.call(&gatedCall{kind: "propose", cmds: []host.Command{cmd}}).first()
}

func (h *gatedHost) ProposeBatch(_ context.Context, _ uint64, atomic bool, cmds []host.Command) (host.BatchResult, error) {
	if atomic {
		return host.BatchResult{}, errors.New("the coalescer sent an atomic batch")
	}
	r := h.call(&gatedCall{batch: true, kind: "propose", cmds: cmds})
	return r.res, r.err
}

func (h *gatedHost) Query(_ context.Context, _ uint64, read host.Read) (host.Result, error) {
	return h.call(&gatedCall{kind: queryKind(read.Consistency), cmds: []host.Command{{Payload: read.Payload}}}).first()
}

func (h *gatedHost) QueryBatch(_ context.Context, _ uint64, c host.Consistency, payloads [][]byte) ([]host.Result, []error, error) {
	call := &gatedCall{batch: true, kind: queryKind(c)}
	for _, p := range payloads {
		call.cmds = append(call.cmds, host.Command{Payload: p})
	}
	r := h.call(call)
	return r.res.Results, r.res.Errs, r.err
}

// call hands c to the test and waits for its answer.
func (h *gatedHost) call(c *gatedCall) gatedReply {
	c.reply = make(chan gatedReply)
	h.calls <- c
	return <-c.reply
}

// first is the outcome of a lone call: its failure, or its one command's.
func (r gatedReply) first() (host.Result, error) {
	if r.err != nil {
		return host.Result{}, r.err
	}
	return r.res.Results[0], r.res.Errs[0]
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

// nextCall returns the host's next call, which must be of kind and carry
// the payloads want, joined by commas, as a batch or not.
func nextCall(t *testing.T, h *gatedHost, kind, want string, batch bool) *gatedCall {
	t.Helper()
	select {
	case call := <-h.calls:
		if call.kind != kind || call.batch != batch || call.payloads() != want {
			t.Fatalf("the host got %s %s (batch %v), want %s %s (batch %v)", call.kind, call.payloads(), call.batch, kind, want, batch)
		}
		return call
	case <-time.After(10 * time.Second):
		t.Fatalf("the host got no call; want %s", want)
		return nil
	}
}

// waitQueued waits until n calls queue in c's lane of shard 7 through
// host 1.
func waitQueued[In any](t *testing.T, c *coalescer[In], n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		c.mu.Lock()
		got := len(c.lanes[laneKey{1, 7}].queue)
		c.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queue, want %d", got, n)
		}
	}
}

// TestCoalescer checks how concurrent Proposes to one shard through one
// host are sent: alone while a flight is free, then in batches that
// answer each caller with its own command's outcome.
func TestCoalescer(t *testing.T) {
	t.Parallel()
	h := &gatedHost{calls: make(chan *gatedCall)}
	c := newProposals()
	type answer struct {
		res host.Result
		err error
	}
	propose := func(ctx context.Context, payload, key string) <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			res, err := c.do(ctx, h, 7, host.Command{Payload: []byte(payload), IdempotencyKey: key})
			ch <- answer{res, err}
		}()
		return ch
	}
	next := func(want string, batch bool) *gatedCall {
		t.Helper()
		return nextCall(t, h, "propose", want, batch)
	}
	queued := func(n int) {
		t.Helper()
		waitQueued(t, c, n)
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
	c := newProposals()
	for i := range maxFlights + 1 {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("call %d: the host's panic did not reach the caller", i)
				}
			}()
			_, _ = c.do(t.Context(), panickyHost{}, 7, host.Command{Payload: []byte("x")})
		}()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.lanes) != 0 {
		t.Errorf("%d lanes kept after every call panicked, want none", len(c.lanes))
	}
}

// TestQueriesCoalesce checks that queries are sent as Proposes are, by
// consistency: alone while a flight is free, then the queries that queued
// meanwhile in one QueryBatch at their consistency, each caller answered
// with its own query's outcome.
func TestQueriesCoalesce(t *testing.T) {
	t.Parallel()
	for _, consistency := range []host.Consistency{host.Linearizable, host.Stale} {
		h := &gatedHost{calls: make(chan *gatedCall)}
		c := newQueries(consistency)
		type answer struct {
			res host.Result
			err error
		}
		query := func(payload string) <-chan answer {
			ch := make(chan answer, 1)
			go func() {
				res, err := c.do(t.Context(), h, 7, []byte(payload))
				ch <- answer{res, err}
			}()
			return ch
		}
		var flights []*gatedCall
		var lone []<-chan answer
		for i := range maxFlights {
			lone = append(lone, query(fmt.Sprint("lone", i)))
			flights = append(flights, nextCall(t, h, queryKind(consistency), fmt.Sprint("lone", i), false))
		}
		a := query("a")
		waitQueued(t, c, 1)
		b := query("b")
		waitQueued(t, c, 2)
		flights[0].answerOK()
		nextCall(t, h, queryKind(consistency), "a,b", true).reply <- gatedReply{res: host.BatchResult{
			Results: []host.Result{{Output: []byte("A")}, {Fuel: 3}},
			Errs:    []error{nil, &outcome.AppError{Code: 404}},
		}}
		if got := <-a; got.err != nil || string(got.res.Output) != "A" {
			t.Errorf("%v query a: got %q, %v", consistency, got.res.Output, got.err)
		}
		if got := <-b; !errors.As(got.err, new(*outcome.AppError)) || outcome.FuelOf(got.err) != 3 {
			t.Errorf("%v query b: got %v (fuel %d), want its application error with its fuel", consistency, got.err, outcome.FuelOf(got.err))
		}
		for _, fl := range flights[1:] {
			fl.answerOK()
		}
		for i, ch := range lone {
			if got := <-ch; got.err != nil || string(got.res.Output) != fmt.Sprint("LONE", i) {
				t.Errorf("%v lone query %d: got %q, %v", consistency, i, got.res.Output, got.err)
			}
		}
	}
}
