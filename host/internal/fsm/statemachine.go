package fsm

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync/atomic"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
)

// Call describes the entry or query an [Executor] runs.
type Call struct {
	// ShardID is the shard the call runs on.
	ShardID uint64
	// Index is the entry's log index (for a query: the applied index read).
	Index uint64
	// TimeNanos is the shard's clock for the call.
	TimeNanos int64
}

// Env returns the guest environment of the call.
func (c Call) Env() wasm.Env {
	return wasm.Env{TimeNanos: c.TimeNanos, Seed: wasm.Seed(c.ShardID, c.Index)}
}

// Executor computes what entries do to a shard's state. Dragonboat calls
// Update from one goroutine per shard, and Query from any goroutine,
// concurrently with Update.
//
// Update must be deterministic: for the same call, payload and state every
// replica must produce the same output and writes. It returns an
// [*wasm.AppError] or a [*wasm.Trap] for an outcome the client should see
// (the state machine rolls back the entry's writes); any other error is a
// host failure.
type Executor interface {
	Update(ctx context.Context, c Call, payload []byte, txn *store.Txn) ([]byte, error)
	Query(ctx context.Context, c Call, payload []byte, view *store.View) ([]byte, error)
}

// Committer is implemented by an executor that wants to know when a batch
// of entries has been committed to the store (for example to react to a
// catalogue change). Committed runs on the apply goroutine and must not
// block.
type Committer interface {
	Committed()
}

// QueryRequest is the argument of Lookup.
type QueryRequest struct {
	// Payload is passed to [Executor.Query].
	Payload []byte
}

// QueryResult is what Lookup returns.
type QueryResult struct {
	// Output is the executor's output when Err is nil.
	Output []byte
	// Err is an [*wasm.AppError] or a [*wasm.Trap], or nil.
	Err error
	// Index is the applied index of the state the query read.
	Index uint64
}

// StateMachine is the IOnDiskStateMachine of one replica.
type StateMachine struct {
	shardID uint64
	db      *store.DB
	exec    Executor

	recent   recentSums
	verified atomic.Uint64
	diverged atomic.Uint64

	// OnDivergence, if set, is called (from the apply goroutine) the first
	// time this replica's checksum differs from the leader's.
	OnDivergence func(index uint64, leader, replica []byte)
}

var _ sm.IOnDiskStateMachine = (*StateMachine)(nil)

// New returns a state machine for a shard.
func New(shardID uint64, db *store.DB, exec Executor) *StateMachine {
	return &StateMachine{shardID: shardID, db: db, exec: exec}
}

// Open returns the applied index recorded in the store.
func (s *StateMachine) Open(<-chan struct{}) (uint64, error) {
	return s.db.AppliedIndex(s.shardID)
}

// Update applies committed entries in one batch, with the last entry's
// index as the applied index.
func (s *StateMachine) Update(entries []sm.Entry) ([]sm.Entry, error) {
	if len(entries) == 0 {
		return entries, nil
	}
	txn := s.db.Txn(s.shardID)
	defer txn.Close()
	clock, err := txn.Clock()
	if err != nil {
		return nil, err
	}
	sum, err := txn.Checksum()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	for i := range entries {
		e := &entries[i]
		if index, want, ok := decodeVerify(e.Cmd); ok {
			e.Result = sm.Result{Value: resultOK, Data: append(binary.BigEndian.AppendUint64(nil, e.Index), s.verify(index, want)...)}
			s.recent.put(e.Index, sum) // unchanged, but the state at this index
			continue
		}
		txn.Begin()
		e.Result, clock, err = s.apply(ctx, e, clock, txn)
		if err != nil {
			return nil, err
		}
		sum = fold(sum, e.Index, txn.WritesDigest(), e.Result)
		s.recent.put(e.Index, sum)
	}
	if err := txn.SetClock(clock); err != nil {
		return nil, err
	}
	if err := txn.SetChecksum(sum); err != nil {
		return nil, err
	}
	if err := txn.Commit(entries[len(entries)-1].Index); err != nil {
		return nil, err
	}
	if c, ok := s.exec.(Committer); ok {
		c.Committed()
	}
	return entries, nil
}

// apply runs one command entry, rolling back its writes if it fails, and
// returns its result and the shard's clock after it.
func (s *StateMachine) apply(ctx context.Context, e *sm.Entry, clock int64, txn *store.Txn) (sm.Result, int64, error) {
	stamp, payload, err := decodeCommand(e.Cmd)
	if err != nil {
		return encodeResult(e.Index, nil, &wasm.Trap{Reason: err.Error()}), clock, nil
	}
	clock = max(clock, stamp)
	out, err := s.exec.Update(ctx, Call{ShardID: s.shardID, Index: e.Index, TimeNanos: clock}, payload, txn)
	if err != nil && !isOutcome(err) {
		return sm.Result{}, clock, fmt.Errorf("apply entry %d of shard %d: %w", e.Index, s.shardID, err)
	}
	if err != nil {
		if rerr := txn.Rollback(); rerr != nil {
			return sm.Result{}, clock, rerr
		}
	}
	return encodeResult(e.Index, out, err), clock, nil
}

// Lookup runs a *QueryRequest against a consistent view of the state.
func (s *StateMachine) Lookup(q any) (any, error) {
	req, ok := q.(*QueryRequest)
	if !ok {
		return nil, fmt.Errorf("shard %d: unexpected query type %T", s.shardID, q)
	}
	view := s.db.View(s.shardID)
	defer view.Close()
	index, err := view.AppliedIndex()
	if err != nil {
		return nil, err
	}
	clock, err := view.Clock()
	if err != nil {
		return nil, err
	}
	out, err := s.exec.Query(context.Background(), Call{ShardID: s.shardID, Index: index, TimeNanos: clock}, req.Payload, view)
	if err != nil && !isOutcome(err) {
		return nil, fmt.Errorf("query shard %d: %w", s.shardID, err)
	}
	return &QueryResult{Output: out, Err: err, Index: index}, nil
}

// Sync makes the applied state durable.
func (s *StateMachine) Sync() error {
	return s.db.Sync()
}

// PrepareSnapshot captures the shard's state.
func (s *StateMachine) PrepareSnapshot() (any, error) {
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
	return s.db.Recover(s.shardID, r, stop)
}

// Close is a no-op: the store belongs to the host.
func (s *StateMachine) Close() error {
	return nil
}
