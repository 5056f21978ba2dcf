package fsm

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/outcome"
)

// Call describes the entry or query an [Executor] runs.
type Call struct {
	// ShardID is the shard the call runs on.
	ShardID uint64
	// Index is the entry's log index (for a query: the applied index read).
	Index uint64
	// TimeNanos is the shard's clock for the call.
	TimeNanos int64
	// Fuel is the call's fuel budget; 0 means the default.
	Fuel uint64
	// Command is the command's place in its entry: 0 but in a batch.
	Command int
}

// Env returns the guest environment of the call. Each command of a batch
// has a random stream of its own.
func (c Call) Env() wasm.Env {
	seed := wasm.Seed(c.ShardID, c.Index)
	if c.Command > 0 {
		seed = sha256.Sum256(binary.BigEndian.AppendUint64(seed[:], uint64(c.Command)))
	}
	return wasm.Env{TimeNanos: c.TimeNanos, Seed: seed, Fuel: c.Fuel}
}

// Output is what an [Executor] returns for a call.
type Output struct {
	// Data is the call's output.
	Data []byte
	// Fuel is the fuel the call used; 0 for an executor that does not
	// meter.
	Fuel uint64
}

// Executor computes what entries do to a shard's state. Dragonboat calls
// Update from one goroutine per shard, and Query from any goroutine,
// concurrently with Update.
//
// Update must be deterministic: for the same call, payload and state every
// replica must produce the same output, fuel and writes. It returns an
// [*outcome.AppError] or a [*outcome.Trap] for an outcome the client should see
// (the state machine rolls back the entry's writes); any other error is a
// host failure.
type Executor interface {
	Update(ctx context.Context, c Call, payload []byte, txn *store.Txn) (Output, error)
	Query(ctx context.Context, c Call, payload []byte, view *store.View) (Output, error)
}

// Committer is implemented by an executor that wants to know when a batch
// of entries has been committed to the store (for example to react to a
// catalogue change). Committed runs on the apply goroutine and must not
// block.
type Committer interface {
	Committed()
}

// Recoverer is implemented by an executor that wants to know when the
// shard's state was replaced by a snapshot's. Recovered runs on the
// goroutine that recovered it and must not block.
type Recoverer interface {
	Recovered()
}

// QueryRequest is the argument of Lookup.
type QueryRequest struct {
	// Ctx is the query's context: when it ends, the guest call stops, and
	// a query waiting for a guest instance (see wasm.ErrNoInstance) waits
	// no longer (dragonboat's Lookup takes no context, so the request
	// carries it). Nil means a context that never ends.
	Ctx context.Context
	// Payload is passed to [Executor.Query].
	Payload []byte
	// Fuel is the query's fuel budget; 0 means the default.
	Fuel uint64
}

// QueryResult is what Lookup returns.
type QueryResult struct {
	// Output is the executor's output when Err is nil.
	Output []byte
	// Fuel is the fuel the query used.
	Fuel uint64
	// Err is an [*outcome.AppError] or a [*outcome.Trap], or nil.
	Err error
	// Index is the applied index of the state the query read.
	Index uint64
}

// StateMachine is the IOnDiskStateMachine of one replica.
type StateMachine struct {
	shardID uint64
	db      *store.DB
	exec    Executor
	// flushBytes is the batch size at which Update commits (flushBytes,
	// but tests make it small).
	flushBytes int

	recent   recentSums
	verified atomic.Uint64
	diverged atomic.Uint64
	// halted is set once the replica refused an entry's outcome (see
	// halt).
	halted atomic.Bool
	// keys is what the replica knows of the idempotency keys the shard
	// keeps, for the apply goroutine; keysReplaced is set when a snapshot
	// replaced them.
	keys         keptKeys
	keysReplaced atomic.Bool

	// commits counts the starts and ends of writes to the shard's state
	// (odd while one is under way), and committed is the applied index and
	// clock the last commit left, if the last write was one: a query reads
	// them rather than the store's (see view).
	commits   atomic.Uint64
	committed atomic.Pointer[appliedState]

	// applied is the index of the last entry the replica recorded, and
	// advanced is closed when it moves (see WaitApplied).
	appliedMu sync.Mutex
	applied   uint64
	advanced  chan struct{}

	// closed is closed by Close, once dragonboat has let go of the
	// replica (see Closed).
	closed    chan struct{}
	closeOnce sync.Once

	// OnDivergence, if set, is called (from the apply goroutine) the first
	// time this replica's checksum differs from the leader's.
	OnDivergence func(index uint64, leader, replica []byte)
	// OnHalt, if set, is called (from the apply goroutine) when the
	// replica halts. The host should stop the replica: a restart replays
	// the entries from the last one it recorded.
	OnHalt func(index uint64, err error)
}

var _ sm.IOnDiskStateMachine = (*StateMachine)(nil)

// New returns a state machine for a shard.
func New(shardID uint64, db *store.DB, exec Executor) *StateMachine {
	return &StateMachine{shardID: shardID, db: db, exec: exec, flushBytes: flushBytes, advanced: make(chan struct{}), closed: make(chan struct{})}
}

// Resume carries what an earlier machine of the same replica knew of its
// agreement with the leader (its [StateMachine.Health] when it stopped,
// as when a replica hibernates) into this one, which starts knowing
// nothing of it. Call it before the machine is opened.
func (s *StateMachine) Resume(h Health) {
	s.verified.Store(h.VerifiedIndex)
	s.diverged.Store(h.DivergedIndex)
}

// Open returns the applied index recorded in the store.
func (s *StateMachine) Open(<-chan struct{}) (uint64, error) {
	index, err := s.db.AppliedIndex(s.shardID)
	if err == nil {
		s.setApplied(index)
	}
	return index, err
}

// setApplied records that the replica's state is at index, waking those
// who wait for it.
func (s *StateMachine) setApplied(index uint64) {
	s.appliedMu.Lock()
	defer s.appliedMu.Unlock()
	s.applied = index
	close(s.advanced)
	s.advanced = make(chan struct{})
}

// Applied returns the index of the last entry the replica recorded.
func (s *StateMachine) Applied() uint64 {
	s.appliedMu.Lock()
	defer s.appliedMu.Unlock()
	return s.applied
}

// WaitApplied waits until the replica's state is at least at index, or ctx
// ends.
func (s *StateMachine) WaitApplied(ctx context.Context, index uint64) error {
	for {
		s.appliedMu.Lock()
		applied, advanced := s.applied, s.advanced
		s.appliedMu.Unlock()
		if applied >= index {
			return nil
		}
		select {
		case <-advanced:
		case <-ctx.Done():
			return fmt.Errorf("shard %d: the replica applied up to index %d, not yet %d: %w", s.shardID, applied, index, context.Cause(ctx))
		}
	}
}

// flushBytes is how large the storage batch of a run of entries grows
// before Update commits it and starts another. An entry's writes, with
// their rollback, are bounded by its limits ([store.MaxWriteBytes]), so a
// batch never holds much more than this, however many entries dragonboat
// hands over at once, and never nears the store's own limit on a batch:
// whether an entry succeeds cannot depend on how entries were grouped.
const flushBytes = 32 << 20

// flushOps is how many writes the batch of a run of entries holds before
// Update commits it: a key written by many entries is found in a batch at
// a cost that grows with the versions of it the batch holds, which a scan
// pays (see store.Txn).
const flushOps = 1 << 16

// Update applies committed entries, in batches of up to about flushBytes
// and flushOps of writes, each recorded with its last entry's index as the applied
// index.
//
// An entry whose call ran past the watchdog ([wasm.ErrWatchdog]) halts the
// replica instead: nothing of the current batch is recorded, and from
// then on the replica records nothing, serves no reads and takes no
// snapshots (the state it holds is behind what dragonboat believes it
// applied), until it is stopped. A restarted replica replays the entries
// after the last one it recorded. Other host failures are returned, which
// stops the host.
func (s *StateMachine) Update(entries []sm.Entry) ([]sm.Entry, error) {
	if len(entries) == 0 {
		return entries, nil
	}
	if s.halted.Load() {
		refuse(entries)
		return entries, nil
	}
	for rest := entries; len(rest) > 0; {
		n, err := s.updateBatch(rest)
		if err != nil {
			return nil, err
		}
		rest = rest[n:]
	}
	return entries, nil
}

// updateBatch applies entries from the first until the batch holds
// flushBytes or they run out, records them, and returns how many it
// applied. After a halt it returns len(entries), having recorded none.
func (s *StateMachine) updateBatch(entries []sm.Entry) (int, error) {
	if s.keysReplaced.Swap(false) {
		s.keys.forget()
	}
	txn := s.db.Txn(s.shardID)
	committed := false
	defer func() {
		txn.Close()
		if !committed {
			s.keys.forget() // it may have seen what is now discarded
		}
	}()
	clock, err := txn.Clock()
	if err != nil {
		return 0, err
	}
	sum, err := txn.Checksum()
	if err != nil {
		return 0, err
	}
	// The shard's coverage (see store.Coverage), read at the first verify
	// entry and recorded after it; changed is the index of the last entry
	// of this batch that changed the checksum, or 0.
	var (
		cov     store.Coverage
		covRead bool
		changed uint64
	)
	start := s.Applied()
	ctx := context.Background()
	n := 0
	for n < len(entries) && (n == 0 || txn.Size() < s.flushBytes && txn.Ops() < flushOps) {
		e := &entries[n]
		n++
		if index, want, ok := decodeVerify(e.Cmd); ok {
			if !covRead {
				if cov, err = txn.Coverage(); err != nil {
					return 0, err
				}
				cov.ChangedAt, covRead = lastChange(cov, start), true
			}
			if changed != 0 {
				cov.ChangedAt = changed
			}
			verdict := s.verify(index, want, sum, cov.ChangedAt, e.Index)
			e.Result = encodeResult(e.Index, 0, []byte(verdict), nil)
			if index < e.Index {
				cov.AskedThrough = max(cov.AskedThrough, index)
			}
			s.recent.put(e.Index, sum) // unchanged, but the state at this index
			continue
		}
		e.Result, clock, err = s.apply(ctx, e, clock, txn)
		if errors.Is(err, wasm.ErrWatchdog) {
			s.halt(e.Index, err)
			refuse(entries[n-1:])
			return len(entries), nil
		}
		if err != nil {
			return 0, err
		}
		sum = fold(sum, e.Index, txn.WritesDigest(), e.Result)
		changed = e.Index
		s.recent.put(e.Index, sum)
	}
	if err := txn.SetClock(clock); err != nil {
		return 0, err
	}
	if err := txn.SetChecksum(sum); err != nil {
		return 0, err
	}
	if covRead {
		if changed != 0 {
			cov.ChangedAt = changed
		}
		cov.At = entries[n-1].Index
		if err := txn.SetCoverage(cov); err != nil {
			return 0, err
		}
	}
	if err := s.commit(txn, appliedState{entries[n-1].Index, clock}); err != nil {
		return 0, err
	}
	committed = true
	s.setApplied(entries[n-1].Index)
	if c, ok := s.exec.(Committer); ok {
		c.Committed()
	}
	return n, nil
}

// appliedState is the applied index and clock of a shard's state.
type appliedState struct {
	index uint64
	clock int64
}

// commit commits txn, which leaves the state at applied, and publishes
// that for queries (unless the replica is blind, see keptKeys).
func (s *StateMachine) commit(txn *store.Txn, applied appliedState) error {
	s.commits.Add(1)
	defer s.commits.Add(1)
	if err := txn.Commit(applied.index); err != nil || s.keys.blind {
		s.committed.Store(nil)
		return err
	}
	s.committed.Store(&applied)
	return nil
}

// view opens a view of the shard's state and returns it with its applied
// index and clock: those the last commit left, if no write ran while the
// view was opened, else read from the view.
func (s *StateMachine) view() (*store.View, appliedState, error) {
	before := s.commits.Load()
	last := s.committed.Load()
	view := s.db.View(s.shardID)
	if last != nil && before%2 == 0 && s.commits.Load() == before {
		return view, *last, nil
	}
	index, err := view.AppliedIndex()
	if err != nil {
		view.Close()
		return nil, appliedState{}, err
	}
	clock, err := view.Clock()
	if err != nil {
		view.Close()
		return nil, appliedState{}, err
	}
	return view, appliedState{index, clock}, nil
}

// apply runs one command entry, rolling back its writes if it fails, and
// returns its result and the shard's clock after it. A command with an
// idempotency key the shard keeps does not run: its result is the first
// one's (see idempotency.go). Every entry then expires a few keys whose
// time is up.
func (s *StateMachine) apply(ctx context.Context, e *sm.Entry, clock int64, txn *store.Txn) (sm.Result, int64, error) {
	if len(e.Cmd) > 0 && e.Cmd[0] == entryBatch {
		return s.applyBatch(ctx, e, clock, txn)
	}
	cmd, err := decodeCommand(e.Cmd)
	if err != nil {
		return encodeResult(e.Index, 0, nil, &outcome.Trap{Reason: err.Error()}), clock, nil
	}
	if err := txn.Begin(cmd.budget.Limits); err != nil {
		return sm.Result{}, clock, err
	}
	clock = max(clock, cmd.timeNanos)
	res, err := s.run(ctx, Call{ShardID: s.shardID, Index: e.Index, TimeNanos: clock, Fuel: cmd.budget.Fuel}, cmd, txn)
	if err != nil {
		return sm.Result{}, clock, fmt.Errorf("apply entry %d of shard %d: %w", e.Index, s.shardID, err)
	}
	return res, clock, expireKeys(txn, &s.keys, clock)
}

// run runs a command, or replays the result of the first command with its
// idempotency key, and keeps the result of a keyed one. A command that
// fails keeps none of its writes. It returns an error only for a failure
// of the host.
func (s *StateMachine) run(ctx context.Context, c Call, cmd command, txn *store.Txn) (sm.Result, error) {
	clock := c.TimeNanos
	var old []byte // the key's expired record
	if len(cmd.key) > 0 {
		res, ok, expired, err := replay(txn, &s.keys, c.Index, cmd, clock)
		if err != nil || ok {
			return res, err
		}
		old = expired
	}
	start, err := txn.Savepoint()
	if err != nil {
		return sm.Result{}, err
	}
	out, err := s.exec.Update(ctx, c, cmd.payload, txn)
	if err != nil && !isOutcome(err) {
		return sm.Result{}, err
	}
	if err != nil {
		if err := s.rollBack(txn, start); err != nil {
			return sm.Result{}, err
		}
	}
	res := encodeResult(c.Index, out.Fuel, out.Data, err)
	if len(cmd.key) == 0 {
		return res, nil
	}
	if err := remember(txn, &s.keys, cmd, clock, res, old); isOutcome(err) {
		// The shard keeps as many keys as it may: the command keeps
		// nothing, so that a retry may run it.
		if err := s.rollBack(txn, start); err != nil {
			return sm.Result{}, err
		}
		return encodeResult(c.Index, out.Fuel, nil, err), nil
	} else if err != nil {
		return sm.Result{}, err
	}
	return res, nil
}

// rollBack undoes txn's writes since start. What it restores may include
// expiry records that are due before the time s.keys knew for the oldest,
// which it therefore forgets: also when only a module's writes are undone
// (they are never records), at the cost of one read on the next entry,
// so that no rollback can be missed.
func (s *StateMachine) rollBack(txn *store.Txn, start store.Savepoint) error {
	s.keys.dueKnown = false
	return txn.RollbackTo(start)
}

// halt stops the replica from recording anything more; see Update.
func (s *StateMachine) halt(index uint64, err error) {
	s.halted.Store(true)
	if s.OnHalt != nil {
		s.OnHalt(index, err)
	}
}

// refuse gives entries the result that says this replica did not apply
// them.
func refuse(entries []sm.Entry) {
	for i := range entries {
		entries[i].Result = sm.Result{Value: resultHalted, Data: encodeResult(entries[i].Index, 0, nil, nil).Data}
	}
}

// Lookup runs a *QueryRequest against a consistent view of the state.
func (s *StateMachine) Lookup(q any) (any, error) {
	req, ok := q.(*QueryRequest)
	if !ok {
		return nil, fmt.Errorf("shard %d: unexpected query type %T", s.shardID, q)
	}
	if s.halted.Load() {
		return nil, fmt.Errorf("shard %d: %w", s.shardID, ErrHalted)
	}
	view, at, err := s.view()
	if err != nil {
		return nil, err
	}
	defer view.Close()
	ctx := req.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	out, err := s.exec.Query(ctx, Call{ShardID: s.shardID, Index: at.index, TimeNanos: at.clock, Fuel: req.Fuel}, req.Payload, view)
	if err != nil && !isOutcome(err) {
		return nil, fmt.Errorf("query shard %d: %w", s.shardID, err)
	}
	return &QueryResult{Output: out.Data, Fuel: out.Fuel, Err: err, Index: at.index}, nil
}

// Sync makes the applied state durable.
func (s *StateMachine) Sync() error {
	return s.db.Sync()
}

// PrepareSnapshot captures the shard's state.
func (s *StateMachine) PrepareSnapshot() (any, error) {
	if s.halted.Load() {
		return nil, fmt.Errorf("shard %d: %w: %w", s.shardID, ErrHalted, sm.ErrSnapshotAborted)
	}
	return s.db.Snapshot(s.shardID), nil
}

// SaveSnapshot streams the captured state to w.
func (s *StateMachine) SaveSnapshot(ctx any, w io.Writer, stop <-chan struct{}) error {
	snap, ok := ctx.(*store.Snapshot)
	if !ok {
		return fmt.Errorf("shard %d: unexpected snapshot context %T", s.shardID, ctx)
	}
	return snap.WriteTo(w, stop)
}

// RecoverFromSnapshot replaces the shard's state with a snapshot stream.
func (s *StateMachine) RecoverFromSnapshot(r io.Reader, stop <-chan struct{}) error {
	if s.halted.Load() {
		return fmt.Errorf("shard %d: %w: %w", s.shardID, ErrHalted, sm.ErrSnapshotStopped)
	}
	s.keysReplaced.Store(true)
	s.commits.Add(1)
	s.committed.Store(nil)
	err := s.db.Recover(s.shardID, r, stop)
	s.commits.Add(1)
	if err != nil {
		return err
	}
	index, err := s.db.AppliedIndex(s.shardID)
	if err != nil {
		return err
	}
	s.setApplied(index)
	if rec, ok := s.exec.(Recoverer); ok {
		rec.Recovered()
	}
	return nil
}

// Close marks the machine closed (see Closed); the store belongs to the
// host.
func (s *StateMachine) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}

// Closed is closed once dragonboat has closed the machine: a replica it
// stopped applies nothing more after that, so another machine of the
// shard may start from the state it left.
func (s *StateMachine) Closed() <-chan struct{} { return s.closed }
