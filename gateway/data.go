package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/outcome"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// dataService implements synod.v1.DataService.
type dataService struct{ g *Gateway }

func (s *dataService) Propose(ctx context.Context, req *connect.Request[synodv1.ProposeRequest]) (*connect.Response[synodv1.ProposeResponse], error) {
	if req.Msg.GetShard() == "" {
		return nil, invalid("shard name is required")
	}
	cmd := host.Command{Payload: req.Msg.GetCommand(), IdempotencyKey: req.Msg.GetIdempotencyKey()}
	if h := req.Header().Get(idempotencyKeyHeader); h != "" {
		if cmd.IdempotencyKey != "" && cmd.IdempotencyKey != h {
			return nil, invalid("the %s header and the idempotency_key field differ: send one", idempotencyKeyHeader)
		}
		cmd.IdempotencyKey = h
	}
	// A keyed command runs at most once, so the gateway retries it
	// whatever became of it, as it does idempotent calls.
	level := req.Spec().IdempotencyLevel
	if cmd.IdempotencyKey != "" {
		level = connect.IdempotencyIdempotent
	}
	ns := callerOf(ctx).ns
	r := s.g.router
	res, err := r.onShard(ctx, shardName{ns, req.Msg.GetShard()}, level, r.leader,
		func(h Host, sh host.ShardInfo) (host.Result, error) {
			return h.Propose(ctx, sh.ID, cmd)
		})
	s.g.quotas.charge(ns, max(res.Fuel, outcome.FuelOf(err)))
	if err != nil {
		if outcome.AppliedOf(err) == outcome.AppliedUnknown && outcome.KindOf(err) != outcome.Internal {
			err = fmt.Errorf("%w; the command may or may not have been applied", err)
		}
		return nil, err
	}
	return withFuelHeader(connect.NewResponse(&synodv1.ProposeResponse{Result: res.Output, Index: res.Index, FuelUsed: res.Fuel, Replayed: res.Replayed}), res.Fuel), nil
}

// idempotencyKeyHeader carries a Propose's idempotency key over HTTP, as
// an alternative to the request's field (the IETF draft's name).
const idempotencyKeyHeader = "Idempotency-Key"

func (s *dataService) ProposeBatch(ctx context.Context, req *connect.Request[synodv1.ProposeBatchRequest]) (*connect.Response[synodv1.ProposeBatchResponse], error) {
	if req.Msg.GetShard() == "" {
		return nil, invalid("shard name is required")
	}
	cmds := make([]host.Command, len(req.Msg.GetCommands()))
	// A batch whose every command has a key runs each at most once, so
	// the gateway retries it whatever became of it.
	level := connect.IdempotencyIdempotent
	for i, c := range req.Msg.GetCommands() {
		cmds[i] = host.Command{Payload: c.GetCommand(), IdempotencyKey: c.GetIdempotencyKey()}
		if c.GetIdempotencyKey() == "" {
			level = req.Spec().IdempotencyLevel
		}
	}
	ns := callerOf(ctx).ns
	r := s.g.router
	var batch host.BatchResult
	_, err := r.onShard(ctx, shardName{ns, req.Msg.GetShard()}, level, r.leader,
		func(h Host, sh host.ShardInfo) (host.Result, error) {
			var err error
			batch, err = h.ProposeBatch(ctx, sh.ID, req.Msg.GetAtomic(), cmds)
			return host.Result{Index: batch.Index, Fuel: batch.Fuel}, err
		})
	s.g.quotas.charge(ns, batch.Fuel)
	if err != nil {
		if outcome.AppliedOf(err) == outcome.AppliedUnknown && outcome.KindOf(err) != outcome.Internal {
			err = fmt.Errorf("%w; the batch may or may not have been applied", err)
		}
		return nil, err
	}
	out := &synodv1.ProposeBatchResponse{Index: batch.Index, FuelUsed: batch.Fuel}
	for i, res := range batch.Results {
		out.Results = append(out.Results, &synodv1.BatchResult{
			Result: res.Output, FuelUsed: res.Fuel, Replayed: res.Replayed, Index: res.Index,
			Error: s.commandError(batch.Errs[i]),
		})
	}
	return withFuelHeader(connect.NewResponse(out), batch.Fuel), nil
}

// commandError is the public form of one command's failure, or nil.
func (s *dataService) commandError(err error) *synodv1.CommandError {
	if err == nil {
		return nil
	}
	ce := toConnect(s.g.cfg.Logger, err)
	out := &synodv1.CommandError{Code: ce.Code().String(), Message: ce.Message(), Applied: appliedValues[outcome.AppliedOf(err)]}
	var ae *outcome.AppError
	if errors.As(err, &ae) {
		out.ApplicationError = &synodv1.ApplicationError{Code: ae.Code, Message: ae.Message}
	}
	return out
}

func (s *dataService) Query(ctx context.Context, req *connect.Request[synodv1.QueryRequest]) (*connect.Response[synodv1.QueryResponse], error) {
	if req.Msg.GetShard() == "" {
		return nil, invalid("shard name is required")
	}
	ns := callerOf(ctx).ns
	r := s.g.router
	read := host.Read{Payload: req.Msg.GetQuery(), Consistency: host.Linearizable, MinIndex: req.Msg.GetMinIndex()}
	pick := r.leader
	switch c := req.Msg.GetConsistency(); c {
	case synodv1.Consistency_CONSISTENCY_UNSPECIFIED, synodv1.Consistency_CONSISTENCY_LINEARIZABLE:
	case synodv1.Consistency_CONSISTENCY_STALE:
		read.Consistency, pick = host.Stale, r.spread
	case synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX:
		if read.MinIndex == 0 {
			return nil, invalid("an at-least-index query needs min_index: the index a Propose returned")
		}
		read.Consistency, pick = host.AtLeastIndex, r.spread
	default:
		return nil, invalid("unknown consistency %d", c)
	}
	if read.MinIndex > 0 && read.Consistency != host.AtLeastIndex {
		return nil, invalid("min_index is for at-least-index queries (consistency %d) only", synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX)
	}
	res, err := r.onShard(ctx, shardName{ns, req.Msg.GetShard()}, req.Spec().IdempotencyLevel, pick,
		func(h Host, sh host.ShardInfo) (host.Result, error) {
			return h.Query(ctx, sh.ID, read)
		})
	s.g.quotas.charge(ns, max(res.Fuel, outcome.FuelOf(err)))
	if err != nil {
		return nil, err
	}
	return withFuelHeader(connect.NewResponse(&synodv1.QueryResponse{Result: res.Output, Index: res.Index, FuelUsed: res.Fuel}), res.Fuel), nil
}

// fuelHeader reports the fuel a call used, on its response whether it
// succeeded or failed (an application error, a trap), so that callers
// budget without reading the body: every Propose, ProposeBatch and Query
// response has it.
const fuelHeader = "Synod-Fuel-Used"

// withFuelHeader sets a response's fuelHeader.
func withFuelHeader[T any](res *connect.Response[T], fuel uint64) *connect.Response[T] {
	res.Header().Set(fuelHeader, strconv.FormatUint(fuel, 10))
	return res
}
