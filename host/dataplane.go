package host

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lni/dragonboat/v4"
	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
)

// dataPlane serves the calls of the shards this host runs: it admits them
// (see throttle), proposes commands and runs queries through the local
// replica, and says who leads.
type dataPlane struct {
	cfg      Config
	nh       *dragonboat.NodeHost
	replicas *replicaSet
	life     *lifetime
	throttle *throttle
}

func newDataPlane(cfg Config, nh *dragonboat.NodeHost, replicas *replicaSet, life *lifetime) *dataPlane {
	return &dataPlane{cfg: cfg, nh: nh, replicas: replicas, life: life, throttle: newThrottle(cfg.ShardFuelRate)}
}

// Result is the outcome of a successful Propose or Query.
type Result struct {
	// Index is the log index the command committed at, or the applied index
	// the query read at.
	Index uint64
	// Fuel is the fuel the call used.
	Fuel uint64
	// Output is what the module returned.
	Output []byte
	// Replayed says that a command's idempotency key was used before: the
	// result is the first command's, and Index its index.
	Replayed bool
}

// Command is a command for a shard's module.
type Command struct {
	// Payload is passed to the module's update entry point.
	Payload []byte
	// IdempotencyKey, if set, makes the command run once: the shard keeps
	// its result, and returns it to a command with the same key and
	// payload instead of running it (see fsm.Idempotency).
	IdempotencyKey string
}

// Limits of the commands a shard accepts, besides [MaxPayloadBytes] for a
// command or a whole batch.
const (
	// MaxIdempotencyKeyBytes is the longest idempotency key.
	MaxIdempotencyKeyBytes = fsm.MaxIdempotencyKeyBytes
	// MaxBatchCommands is the most commands of one batch.
	MaxBatchCommands = fsm.MaxBatchCommands
)

// Consistency is the consistency level of a query.
type Consistency int

const (
	// Linearizable reads see every command committed before they started.
	Linearizable Consistency = iota
	// Stale reads run on the local replica with no round trip.
	Stale
	// AtLeastIndex reads run on the local replica once it has applied at
	// least [Read.MinIndex], waiting for it within the call's deadline:
	// given the index a Propose returned, they see that command's effect
	// (read-your-writes) on any replica.
	AtLeastIndex
)

// Read is a read-only query for a shard's module.
type Read struct {
	// Payload is passed to the module's query entry point.
	Payload []byte
	// Consistency says what state the query may read.
	Consistency Consistency
	// MinIndex is the least applied index an [AtLeastIndex] read reads
	// at.
	MinIndex uint64
}

// defaultTimeout bounds a call whose context has no deadline (dragonboat
// needs one).
const defaultTimeout = 10 * time.Second

func withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, defaultTimeout)
}

// Propose commits a command to a shard through this host's replica and
// returns the module's result. A module failure is returned as an
// [*outcome.AppError] or an [*outcome.Trap]; every other error says, as an
// [*outcome.Error], whether the command was applied.
func (h *Host) Propose(ctx context.Context, shardID uint64, cmd Command) (Result, error) {
	if len(cmd.Payload) > MaxPayloadBytes {
		return Result{}, fmt.Errorf("command of %d bytes: %w (limit %d)", len(cmd.Payload), ErrTooLarge, MaxPayloadBytes)
	}
	if len(cmd.IdempotencyKey) > MaxIdempotencyKeyBytes {
		return Result{}, outcome.Errorf(outcome.Invalid, outcome.AppliedNo, "idempotency key of %d bytes: the limit is %d", len(cmd.IdempotencyKey), MaxIdempotencyKeyBytes)
	}
	return h.data.propose(ctx, shardID, cmd)
}

// BatchResult is the outcome of a batch of commands that took its place
// in the log: each command's result or failure.
type BatchResult struct {
	// Index is the log index of the batch.
	Index uint64
	// Fuel is the fuel its commands used.
	Fuel uint64
	// Results are the commands' results, in order; Errs their failures
	// (nil for a command that succeeded), as Propose returns them.
	Results []Result
	Errs    []error
}

// ProposeBatch commits several commands to a shard in one log entry
// through this host's replica. An atomic batch keeps the writes of all of
// its commands or of none; the commands of one that is not succeed or
// fail each on its own. The error is for the batch as a whole, as
// Propose's is for a command.
func (h *Host) ProposeBatch(ctx context.Context, shardID uint64, atomic bool, cmds []Command) (BatchResult, error) {
	if n := len(cmds); n == 0 || n > MaxBatchCommands {
		return BatchResult{}, outcome.Errorf(outcome.Invalid, outcome.AppliedNo, "a batch of %d commands: send 1 to %d", n, MaxBatchCommands)
	}
	batch := make([]fsm.BatchCommand, len(cmds))
	size := 0
	for i, c := range cmds {
		if len(c.IdempotencyKey) > MaxIdempotencyKeyBytes {
			return BatchResult{}, outcome.Errorf(outcome.Invalid, outcome.AppliedNo, "command %d: idempotency key of %d bytes: the limit is %d", i, len(c.IdempotencyKey), MaxIdempotencyKeyBytes)
		}
		size += len(c.Payload) + len(c.IdempotencyKey)
		batch[i] = fsm.BatchCommand{Key: []byte(c.IdempotencyKey), Payload: c.Payload}
	}
	if size > MaxPayloadBytes {
		return BatchResult{}, fmt.Errorf("a batch of %d bytes: %w (limit %d)", size, ErrTooLarge, MaxPayloadBytes)
	}
	return h.data.proposeBatch(ctx, shardID, atomic, batch)
}

// Query runs a read-only query on a shard through this host's replica.
func (h *Host) Query(ctx context.Context, shardID uint64, r Read) (Result, error) {
	if len(r.Payload) > MaxPayloadBytes {
		return Result{}, fmt.Errorf("query of %d bytes: %w (limit %d)", len(r.Payload), ErrTooLarge, MaxPayloadBytes)
	}
	return h.data.query(ctx, shardID, r)
}

// QueryBatch runs several read-only queries of a shard, each as Query
// would at c (Linearizable or Stale), through this host's replica: a
// linearizable batch waits for one read index, which the leader confirms
// after the call began, so that each query reads a state at least as new
// as any committed before it was sent. It returns each query's result and
// failure (nil if it succeeded), in order, or the replica's failure, which
// is every query's. Its answers are bounded (maxAnswersBytes): a query
// whose output would pass the bound fails as unavailable, not run, to be
// sent again.
func (h *Host) QueryBatch(ctx context.Context, shardID uint64, c Consistency, payloads [][]byte) ([]Result, []error, error) {
	switch {
	case c != Linearizable && c != Stale:
		return nil, nil, outcome.Errorf(outcome.Invalid, outcome.AppliedNo, "a batch of queries is linearizable or stale (consistency %d is neither)", c)
	case len(payloads) > MaxBatchCommands:
		return nil, nil, outcome.Errorf(outcome.OverLimit, outcome.AppliedNo, "a batch of %d queries: the limit is %d", len(payloads), MaxBatchCommands)
	}
	size := 0
	for _, p := range payloads {
		size += len(p)
	}
	if size > MaxPayloadBytes {
		return nil, nil, fmt.Errorf("a batch of %d bytes of queries: %w (limit %d)", size, ErrTooLarge, MaxPayloadBytes)
	}
	return h.data.queryBatch(ctx, shardID, c, payloads)
}

// call runs one call of a shard's data plane: it holds the host's
// lifetime, gives the call a deadline, wakes this host's replica if it
// hibernates, checks that the replica leads if the call needs its leader,
// admits the call against the shard's fuel rate, runs it and charges it
// with the fuel it used.
func (d *dataPlane) call(ctx context.Context, shardID uint64, needsLeader bool, run func(context.Context) (Result, error)) (Result, error) {
	if err := d.life.acquire(); err != nil {
		return Result{}, err
	}
	defer d.life.release()
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	done, err := d.awaken(ctx, shardID, needsLeader)
	if err != nil {
		return Result{}, err
	}
	defer done()
	if needsLeader {
		if err := d.checkLeader(shardID); err != nil {
			return Result{}, err
		}
	}
	charge, err := d.admit(ctx, shardID)
	if err != nil {
		return Result{}, err
	}
	res, err := run(ctx)
	charge(res.Fuel)
	return res, outcome.WithFuel(err, res.Fuel)
}

// awaken marks a call on a shard under way (see replicaSet.use), waking
// this host's replica if it hibernates; a call that needs the leader of a
// shard whose replica here has just woken then waits, within its deadline
// and electionWait, until the shard has elected one. It returns the
// function that marks the call done.
func (d *dataPlane) awaken(ctx context.Context, shardID uint64, needsLeader bool) (done func(), err error) {
	done, waking, err := d.replicas.use(ctx, shardID, needsLeader)
	if err != nil || waking == nil || !needsLeader {
		return done, err
	}
	ctx, cancel := context.WithTimeout(ctx, electionWait)
	defer cancel()
	tick := time.NewTicker(electionPoll)
	defer tick.Stop()
	for {
		_, _, valid, err := d.nh.GetLeaderID(shardID)
		if err != nil || valid {
			return done, nil // checkLeader says which
		}
		select {
		case <-ctx.Done():
			return done, nil
		case <-tick.C:
		}
	}
}

// electionPoll is how often a call that woke a replica looks for the
// leader its shard elects, or for the replica to be initialized.
const electionPoll = time.Millisecond

// staleRead runs a query on this host's replica as it stands, as
// dragonboat's StaleRead does. A replica that has just started (see
// sleeper.waking), woken for this call or another, refuses queries
// until dragonboat has initialized it, some milliseconds: staleRead asks
// again until then, within ctx, rather than fail the call, first after
// electionPoll and then twice as long each time, up to maxInitPoll.
func (d *dataPlane) staleRead(ctx context.Context, shardID uint64, req *fsm.QueryRequest) (any, error) {
	for wait := electionPoll; ; wait = min(2*wait, maxInitPoll) {
		v, err := d.nh.StaleRead(shardID, req)
		if !errors.Is(err, dragonboat.ErrShardNotInitialized) {
			return v, err
		}
		if sl := d.replicas.sleeperOf(shardID); sl == nil || !sl.waking() {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(wait):
		}
	}
}

// maxInitPoll bounds how long staleRead waits between two asks: a Raft
// tick (Config.RTTMillisecond's default), after which a replica that is
// slow to initialize is asked 50 times a second per call at most.
const maxInitPoll = 20 * time.Millisecond

// propose is Propose without the payload limit, which catalogue commands
// (carrying whole modules) are not subject to.
func (d *dataPlane) propose(ctx context.Context, shardID uint64, cmd Command) (Result, error) {
	return d.proposeAgainable(ctx, shardID, cmd, cmd.IdempotencyKey != "")
}

// proposeAgainable is propose, with again true for a command safe to make
// again: one with an idempotency key, or one whose second run changes
// nothing. A deposed leader's pending proposal of such a command fails as
// of unknown fate once await gives up on it, for its caller to make
// again, rather than at the call's deadline.
func (d *dataPlane) proposeAgainable(ctx context.Context, shardID uint64, cmd Command, again bool) (Result, error) {
	return d.call(ctx, shardID, true, func(ctx context.Context) (Result, error) {
		return d.proposeOnLeader(ctx, shardID, cmd, again)
	})
}

// proposeOnLeader proposes a command through this host's replica, which
// leads, and waits for its result (see proposeAgainable for again).
func (d *dataPlane) proposeOnLeader(ctx context.Context, shardID uint64, c Command, again bool) (Result, error) {
	entry := fsm.EncodeCommand(time.Now().UnixNano(), d.replicas.budget(shardID), []byte(c.IdempotencyKey), c.Payload)
	r, err := d.proposeEntry(ctx, shardID, entry, again)
	if err != nil {
		return Result{}, err
	}
	out, err := fsm.DecodeResult(r)
	if errors.Is(err, fsm.ErrHalted) {
		return Result{}, fmt.Errorf("shard %d: %w", shardID, err)
	}
	return resultOf(out), err
}

// proposeBatch proposes a batch entry through this host's replica, which
// must lead, and waits for its result.
func (d *dataPlane) proposeBatch(ctx context.Context, shardID uint64, atomic bool, cmds []fsm.BatchCommand) (BatchResult, error) {
	var out BatchResult
	_, err := d.call(ctx, shardID, true, func(ctx context.Context) (Result, error) {
		entry := fsm.EncodeBatch(time.Now().UnixNano(), d.replicas.budget(shardID), atomic, cmds)
		r, err := d.proposeEntry(ctx, shardID, entry, !slices.ContainsFunc(cmds, func(c fsm.BatchCommand) bool { return len(c.Key) == 0 }))
		if err != nil {
			return Result{}, err
		}
		b, err := fsm.DecodeBatchResult(r)
		if err != nil {
			return Result{Index: b.Index}, fmt.Errorf("shard %d: %w", shardID, err)
		}
		out = BatchResult{Index: b.Index, Fuel: b.Fuel, Errs: b.Errs}
		for _, r := range b.Results {
			out.Results = append(out.Results, resultOf(r))
		}
		return Result{Index: b.Index, Fuel: b.Fuel}, nil
	})
	return out, err
}

// resultOf is the Result of a command.
func resultOf(r fsm.Result) Result {
	return Result{Index: r.Index, Fuel: r.Fuel, Output: r.Output, Replayed: r.Replayed}
}

// proposeEntry proposes an entry through this host's replica, which leads,
// and waits for its result. An entry whose every command has an
// idempotency key (keyed) is safe to propose again: if its leader loses
// its term, it fails as unknown after deposedGrace (see await), and the
// gateway sends it again. Any other waits for its outcome or its
// deadline, for the caller could not tell what became of it anyway.
func (d *dataPlane) proposeEntry(ctx context.Context, shardID uint64, entry []byte, keyed bool) (sm.Result, error) {
	// Leadership may have moved while the call waited for its turn.
	term, err := d.leadingTerm(shardID)
	if err != nil {
		return sm.Result{}, err
	}
	rs, err := d.nh.Propose(d.nh.GetNoOPSession(shardID), entry, d.requestTimeout(ctx))
	if err != nil {
		return sm.Result{}, outcome.WithApplied(raftError(ctx, shardID, err), outcome.AppliedNo)
	}
	r, err := d.await(ctx, shardID, term, rs, keyed)
	switch {
	case errors.Is(err, errDeposed):
		return sm.Result{}, outcome.Errorf(outcome.Unavailable, outcome.AppliedUnknown, "shard %d: %w: the proposal %w", shardID, ErrUnavailable, err)
	case err != nil:
		return sm.Result{}, err
	}
	// Released only once dragonboat has delivered the result: it may
	// still write to a request it has not finished with.
	rs.Release()
	switch {
	case r.Dropped():
		// Raft dropped the proposal before it entered the log (no
		// leader, or leadership moving): it was not applied.
		return sm.Result{}, outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "shard %d: %w: proposal %s", shardID, ErrUnavailable, requestOutcome(r))
	case !r.Completed():
		return sm.Result{}, fmt.Errorf("shard %d: %w: proposal %s", shardID, ErrUnavailable, requestOutcome(r))
	}
	return r.GetResult(), nil
}

// readIndex has this host's replica, which leads, confirm a read index,
// and returns the request once the replica has applied it: queries then
// read linearizably on the replica ([dragonboat.NodeHost.ReadLocalNode]),
// until the caller releases it.
//
// A leader drops a read index until it has committed an entry of its own
// term, which it does within a round trip of its election (Raft's
// ReadIndex protocol, dissertation section 6.4): a read dropped so is
// made again, within the call's deadline, while the replica leads.
func (d *dataPlane) readIndex(ctx context.Context, shardID uint64) (*dragonboat.RequestState, error) {
	for pause := time.Millisecond; ; pause = min(2*pause, maxReadRetryPause) {
		rs, r, err := d.confirmRead(ctx, shardID)
		if err != nil {
			return nil, err
		}
		if r.Dropped() {
			rs.Release()
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("shard %d: %w", shardID, ctx.Err())
			case <-time.After(pause):
			}
			continue
		}
		if !r.Completed() {
			rs.Release()
			return nil, outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "shard %d: %w: read index %s", shardID, ErrUnavailable, requestOutcome(r))
		}
		return rs, nil
	}
}

// maxReadRetryPause bounds the pause before a dropped read index is made
// again.
const maxReadRetryPause = 10 * time.Millisecond

// confirmRead has the shard's leader, this host's replica, confirm a read
// index, and returns the request and how it ended.
func (d *dataPlane) confirmRead(ctx context.Context, shardID uint64) (*dragonboat.RequestState, dragonboat.RequestResult, error) {
	term, err := d.leadingTerm(shardID)
	if err != nil {
		return nil, dragonboat.RequestResult{}, err
	}
	rs, err := d.nh.ReadIndex(shardID, d.requestTimeout(ctx))
	if err != nil {
		return nil, dragonboat.RequestResult{}, raftError(ctx, shardID, err)
	}
	r, err := d.await(ctx, shardID, term, rs, true)
	switch {
	case errors.Is(err, errDeposed):
		// A read changes nothing: the gateway looks for the leader
		// again and retries it.
		return nil, dragonboat.RequestResult{}, outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "shard %d: %w: the read %w", shardID, ErrUnavailable, err)
	case err != nil:
		return nil, dragonboat.RequestResult{}, err
	}
	return rs, r, nil
}

// requestTimeout is the timeout to give dragonboat for a request made
// within ctx, which has a deadline (see timeoutFor).
func (d *dataPlane) requestTimeout(ctx context.Context) time.Duration {
	deadline, _ := ctx.Deadline()
	return timeoutFor(time.Until(deadline), d.cfg.tick())
}

// timeoutFor is the timeout to give dragonboat for a request of a call
// with left to run, on a Raft clock that ticks every tick. Dragonboat
// counts a request's timeout in whole ticks, rounded down, and refuses
// one under a tick (ErrTimeoutTooSmall): a tick more than what is left
// lets the call's own deadline, which await watches, end the request
// first, so that it fails as past its deadline rather than as timed out
// within it. Once the deadline has passed it is 0, which dragonboat
// refuses: a negative timeout would wrap around to one that never ends.
func timeoutFor(left, tick time.Duration) time.Duration {
	if left <= 0 {
		return 0
	}
	return left + tick
}

// await waits for the outcome of a request made through this host's
// replica of a shard while it led in term, within ctx. Dragonboat forgets,
// without failing them, the read indexes a leader has pending when its
// term ends, and those of its proposals the next leader overwrites: such
// a request would wait for its call's whole deadline. So, for a request
// safe to make again (giveUp), await looks every leadershipPoll whether
// the replica still leads in term, and once it has not for deposedGrace,
// in which a proposal the next leader committed completes, gives up with
// errDeposed.
func (d *dataPlane) await(ctx context.Context, shardID, term uint64, rs *dragonboat.RequestState, giveUp bool) (dragonboat.RequestResult, error) {
	self, _ := d.replicas.replicaOf(shardID)
	var poll <-chan time.Time // nil, never ready, unless giveUp
	if giveUp {
		t := time.NewTicker(leadershipPoll)
		defer t.Stop()
		poll = t.C
	}
	var deposed time.Time
	for {
		select {
		case r := <-rs.ResultC():
			return r, nil
		case <-ctx.Done():
			return dragonboat.RequestResult{}, fmt.Errorf("shard %d: %w", shardID, ctx.Err())
		case now := <-poll:
			leader, t, valid, err := d.nh.GetLeaderID(shardID)
			switch {
			case err == nil && valid && leader == self && t == term:
			case deposed.IsZero():
				deposed = now
			case now.Sub(deposed) >= d.deposedGrace():
				return dragonboat.RequestResult{}, fmt.Errorf("%w (it led term %d until %v ago)", errDeposed, term, now.Sub(deposed).Round(time.Millisecond))
			}
		}
	}
}

// errDeposed says that a request's replica stopped leading the term it was
// made in before the request ended: see dataPlane.await.
var errDeposed = errors.New("was left pending by a leader that lost its term")

// leadershipPoll is how often a request's wait looks whether its replica
// still leads.
const leadershipPoll = 100 * time.Millisecond

// deposedGrace is how long a request is still awaited after its replica
// stopped leading: five election timeouts, at least a second, ample for
// the next leader to commit the previous leader's entries and this
// replica to apply them.
func (d *dataPlane) deposedGrace() time.Duration {
	return max(time.Second, 5*time.Duration(d.cfg.ElectionRTT)*d.cfg.tick())
}

// requestOutcome names how dragonboat ended a request that did not
// complete.
func requestOutcome(r dragonboat.RequestResult) string {
	switch {
	case r.Timeout():
		return "timed out"
	case r.Dropped():
		return "dropped (no leader)"
	case r.Terminated():
		return "terminated (shard stopping)"
	case r.Rejected():
		return "rejected"
	case r.Aborted():
		return "aborted"
	}
	return "failed"
}

// proposeForwarded proposes a meta command through this host's meta
// replica whether or not it leads, letting dragonboat forward the proposal,
// with a short deadline: for the few commands a host makes on its own
// behalf or for a host that is joining, which know no leader's API.
func (d *dataPlane) proposeForwarded(ctx context.Context, req meta.Request) ([]byte, error) {
	if err := d.life.acquire(); err != nil {
		return nil, err
	}
	defer d.life.release()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cmd := fsm.EncodeCommand(time.Now().UnixNano(), fsm.Budget{}, nil, req.Encode())
	res, err := d.nh.SyncPropose(ctx, d.nh.GetNoOPSession(meta.ShardID), cmd)
	if err != nil {
		return nil, raftError(ctx, meta.ShardID, err)
	}
	out, err := fsm.DecodeResult(res)
	return out.Output, err
}

// query runs a read-only query through this host's replica.
func (d *dataPlane) query(ctx context.Context, shardID uint64, r Read) (Result, error) {
	return d.call(ctx, shardID, r.Consistency == Linearizable, func(ctx context.Context) (Result, error) {
		results, errs, err := d.read(ctx, shardID, r.Consistency, r.MinIndex, [][]byte{r.Payload})
		if err != nil {
			return Result{}, err
		}
		return results[0], errs[0]
	})
}

// queryBatch is [Host.QueryBatch]: one call of the shard's data plane,
// charged with the fuel of every query that ran, the batch failed or not;
// a query's failure says what fuel it used, as a Query's does.
func (d *dataPlane) queryBatch(ctx context.Context, shardID uint64, c Consistency, payloads [][]byte) ([]Result, []error, error) {
	var results []Result
	var errs []error
	_, err := d.call(ctx, shardID, c == Linearizable, func(ctx context.Context) (Result, error) {
		var err error
		results, errs, err = d.read(ctx, shardID, c, 0, payloads)
		var fuel uint64
		for i, res := range results {
			fuel += res.Fuel
			errs[i] = outcome.WithFuel(errs[i], res.Fuel) // as call does a Query's
		}
		return Result{Fuel: fuel}, err
	})
	if err != nil {
		return nil, nil, err
	}
	return results, errs, nil
}

// maxAnswersBytes bounds the outputs of one batch of queries, well under
// what a link frame carries: past it, the rest of the batch's queries fail
// as unavailable, for the gateway to send again. Each query's output is at
// most wasm.MaxOutputBytes, under it, so a batch always answers one.
const maxAnswersBytes = 8 << 20

// read runs queries through this host's replica at consistency c, each
// with the shard's fuel budget: once the leader, this replica, has
// confirmed a read index for a linearizable read; once the replica has
// applied minIndex for an at-least-index one; at once for a stale one.
// Queries run side by side, as many at once as the process has Ps. It
// returns each query's result and failure (the module's, or its answer's
// not fitting the batch's), and the replica's failure, which is every
// query's; with it, the results of the queries that ran, for their fuel.
func (d *dataPlane) read(ctx context.Context, shardID uint64, c Consistency, minIndex uint64, payloads [][]byte) ([]Result, []error, error) {
	var confirmed *dragonboat.RequestState
	switch c {
	case Linearizable:
		rs, err := d.readIndex(ctx, shardID)
		if err != nil {
			return nil, nil, err
		}
		defer rs.Release()
		confirmed = rs
	case AtLeastIndex:
		if err := d.replicas.waitApplied(ctx, shardID, minIndex); err != nil {
			return nil, nil, err
		}
	}
	fuel := d.replicas.budget(shardID).Fuel
	results, errs := make([]Result, len(payloads)), make([]error, len(payloads))
	var (
		answered atomic.Int64          // bytes of output kept
		failed   atomic.Pointer[error] // the replica's first failure
		next     atomic.Int64          // the next query to run
	)
	// run runs the i-th query, and reports whether the batch goes on.
	run := func(i int) bool {
		if failed.Load() != nil {
			return false
		}
		req := &fsm.QueryRequest{Ctx: ctx, Payload: payloads[i], Fuel: fuel}
		var v any
		var err error
		if confirmed != nil {
			v, err = d.nh.ReadLocalNode(confirmed, req)
		} else {
			v, err = d.staleRead(ctx, shardID, req)
		}
		qr, ok := v.(*fsm.QueryResult)
		switch {
		case err == nil && !ok:
			err = fmt.Errorf("shard %d: unexpected query result %T", shardID, v)
		case err != nil:
			err = raftError(ctx, shardID, err)
		}
		if err != nil {
			failed.CompareAndSwap(nil, &err)
			return false
		}
		results[i], errs[i] = Result{Index: qr.Index, Fuel: qr.Fuel, Output: qr.Output}, qr.Err
		// The first answer is kept whatever its size.
		if n := int64(len(qr.Output)); n > 0 {
			if total := answered.Add(n); total > maxAnswersBytes && total != n {
				answered.Add(-n)
				results[i].Output = nil
				errs[i] = outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "shard %d: %w: the other answers of its batch of queries took the %d bytes a batch answers", shardID, ErrUnavailable, maxAnswersBytes)
			}
		}
		return true
	}
	// work runs queries, each the next not taken, until none is left or
	// the replica fails.
	work := func() {
		for i := int(next.Add(1) - 1); i < len(payloads) && run(i); i = int(next.Add(1) - 1) {
		}
	}
	if len(payloads) == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range min(len(payloads), runtime.GOMAXPROCS(0)) {
			wg.Go(work)
		}
		wg.Wait()
	}
	if err := failed.Load(); err != nil {
		return results, errs, *err
	}
	return results, errs, nil
}

// admit waits until this host may run a call to a shard (see throttle)
// and returns the function that charges the call with the fuel it used.
// Catalogue calls are not throttled.
func (d *dataPlane) admit(ctx context.Context, shardID uint64) (charge func(used uint64), err error) {
	if shardID == meta.ShardID {
		return func(uint64) {}, nil
	}
	reserved, err := d.throttle.admit(ctx, shardID)
	if err != nil {
		return nil, err
	}
	return func(used uint64) { d.throttle.charge(shardID, reserved, used) }, nil
}

// forget drops what the data plane keeps about a shard whose replica
// stopped.
func (d *dataPlane) forget(shardID uint64) { d.throttle.forget(shardID) }

// checkLeader returns nil if this host's replica leads the shard, and else
// an error saying who does, if known. Proposals and linearizable reads are
// only made on the leader: one made on a follower would be forwarded, and
// would hang until its deadline if the leader it knows is gone.
func (d *dataPlane) checkLeader(shardID uint64) error {
	_, err := d.leadingTerm(shardID)
	return err
}

// leadingTerm returns the Raft term in which this host's replica of a
// shard leads it, or checkLeader's error if it does not.
func (d *dataPlane) leadingTerm(shardID uint64) (uint64, error) {
	self, ok := d.replicas.replicaOf(shardID)
	if !ok {
		return 0, fmt.Errorf("shard %d: %w", shardID, ErrNotReplica)
	}
	leader, term, valid, err := d.nh.GetLeaderID(shardID)
	switch {
	case err != nil:
		return 0, outcome.WithApplied(raftError(context.Background(), shardID, err), outcome.AppliedNo)
	case !valid:
		return 0, outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "shard %d: %w: no leader elected yet", shardID, ErrUnavailable)
	case leader != self:
		return 0, fmt.Errorf("shard %d: %w: replica %d leads, not this host's %d", shardID, ErrNotLeader, leader, self)
	}
	return term, nil
}

// leads reports whether this host's replica of a shard is its leader.
func (d *dataPlane) leads(shardID uint64) bool {
	return d.checkLeader(shardID) == nil
}
