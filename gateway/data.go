package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/api/httpbody"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/outcome"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// dataService implements synod.v1.DataService.
type dataService struct{ g *Gateway }

func (s *dataService) Propose(ctx context.Context, req *connect.Request[synodv1.ProposeRequest]) (*connect.Response[synodv1.ProposeResponse], error) {
	res, err := s.propose(ctx, req, req.Msg.GetShard(), host.Command{Payload: req.Msg.GetCommand(), IdempotencyKey: req.Msg.GetIdempotencyKey()})
	if err != nil {
		return nil, err
	}
	out := connect.NewResponse(&synodv1.ProposeResponse{Result: res.Output, Index: res.Index, FuelUsed: res.Fuel, Replayed: res.Replayed})
	setResultHeaders(out.Header(), res)
	return out, nil
}

func (s *dataService) ProposeRaw(ctx context.Context, req *connect.Request[synodv1.ProposeRawRequest]) (*connect.Response[synodv1.ProposeRawResponse], error) {
	res, err := s.propose(ctx, req, req.Msg.GetShard(), host.Command{Payload: req.Msg.GetCommand().GetData(), IdempotencyKey: req.Msg.GetIdempotencyKey()})
	if err != nil {
		return nil, err
	}
	out := connect.NewResponse(&synodv1.ProposeRawResponse{Result: rawResult(res), Index: res.Index, FuelUsed: res.Fuel, Replayed: res.Replayed})
	setResultHeaders(out.Header(), res)
	return out, nil
}

// propose commits cmd to a shard, with the idempotency key of the
// request's header if it has one.
func (s *dataService) propose(ctx context.Context, req connect.AnyRequest, shard string, cmd host.Command) (host.Result, error) {
	if shard == "" {
		return host.Result{}, invalid("shard name is required")
	}
	if h := req.Header().Get(idempotencyKeyHeader); h != "" {
		if cmd.IdempotencyKey != "" && cmd.IdempotencyKey != h {
			return host.Result{}, invalid("the %s header and the idempotency_key field differ: send one", idempotencyKeyHeader)
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
	res, err := r.onShard(ctx, shardName{ns, shard}, level, r.leader,
		func(h Host, sh host.ShardInfo) (host.Result, error) {
			return s.g.proposals.do(ctx, h, sh.ID, cmd)
		})
	s.g.quotas.charge(ns, max(res.Fuel, outcome.FuelOf(err)))
	if err != nil {
		if outcome.AppliedOf(err) == outcome.AppliedUnknown && outcome.KindOf(err) != outcome.Internal {
			err = fmt.Errorf("%w; the command may or may not have been applied", err)
		}
		return host.Result{}, err
	}
	return res, nil
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
	res := connect.NewResponse(out)
	setResultHeaders(res.Header(), host.Result{Index: batch.Index, Fuel: batch.Fuel})
	return res, nil
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
	res, err := s.query(ctx, req, req.Msg.GetShard(), req.Msg.GetConsistency(), host.Read{Payload: req.Msg.GetQuery(), MinIndex: req.Msg.GetMinIndex()})
	if err != nil {
		return nil, err
	}
	out := connect.NewResponse(&synodv1.QueryResponse{Result: res.Output, Index: res.Index, FuelUsed: res.Fuel})
	setResultHeaders(out.Header(), res)
	return out, nil
}

func (s *dataService) QueryRaw(ctx context.Context, req *connect.Request[synodv1.QueryRawRequest]) (*connect.Response[synodv1.QueryRawResponse], error) {
	payload := req.Msg.GetQuery().GetData()
	if text := req.Msg.GetText(); text != "" {
		if len(payload) > 0 {
			return nil, invalid("the query came as a body and as text: send one")
		}
		payload = []byte(text)
	}
	res, err := s.query(ctx, req, req.Msg.GetShard(), req.Msg.GetConsistency(), host.Read{Payload: payload, MinIndex: req.Msg.GetMinIndex()})
	if err != nil {
		return nil, err
	}
	out := connect.NewResponse(&synodv1.QueryRawResponse{Result: rawResult(res), Index: res.Index, FuelUsed: res.Fuel})
	setResultHeaders(out.Header(), res)
	return out, nil
}

// query runs read, whose payload and least index are set, on a shard at
// the consistency c.
func (s *dataService) query(ctx context.Context, req connect.AnyRequest, shard string, c synodv1.Consistency, read host.Read) (host.Result, error) {
	if shard == "" {
		return host.Result{}, invalid("shard name is required")
	}
	ns := callerOf(ctx).ns
	r := s.g.router
	read.Consistency = host.Linearizable
	pick := r.leader
	switch c {
	case synodv1.Consistency_CONSISTENCY_UNSPECIFIED, synodv1.Consistency_CONSISTENCY_LINEARIZABLE:
	case synodv1.Consistency_CONSISTENCY_STALE:
		read.Consistency, pick = host.Stale, r.spread
	case synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX:
		if read.MinIndex == 0 {
			return host.Result{}, invalid("an at-least-index query needs min_index: the index a Propose returned")
		}
		read.Consistency, pick = host.AtLeastIndex, r.spread
	default:
		return host.Result{}, invalid("unknown consistency %d", c)
	}
	if read.MinIndex > 0 && read.Consistency != host.AtLeastIndex {
		return host.Result{}, invalid("min_index is for at-least-index queries (consistency %d) only", synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX)
	}
	res, err := r.onShard(ctx, shardName{ns, shard}, req.Spec().IdempotencyLevel, pick,
		func(h Host, sh host.ShardInfo) (host.Result, error) {
			switch read.Consistency {
			case host.Linearizable:
				return s.g.linearReads.do(ctx, h, sh.ID, read.Payload)
			case host.Stale:
				return s.g.staleReads.do(ctx, h, sh.ID, read.Payload)
			}
			// Each at-least-index query waits for an index of its own.
			return h.Query(ctx, sh.ID, read)
		})
	s.g.quotas.charge(ns, max(res.Fuel, outcome.FuelOf(err)))
	if err != nil {
		return host.Result{}, err
	}
	return res, nil
}

// The response headers of a successful Propose or Query, in every
// protocol, so that a REST client of ProposeRaw or QueryRaw, whose body
// is the module's result alone, learns the rest.
const (
	indexHeader    = "Synod-Index"
	fuelUsedHeader = "Synod-Fuel-Used"
	replayedHeader = "Synod-Replayed"
)

// setResultHeaders sets the response headers of a call's result.
func setResultHeaders(h http.Header, res host.Result) {
	h.Set(indexHeader, strconv.FormatUint(res.Index, 10))
	h.Set(fuelUsedHeader, strconv.FormatUint(res.Fuel, 10))
	if res.Replayed {
		h.Set(replayedHeader, "true")
	}
}

// rawResult is a module's result as an HTTP body: bytes of no type the
// gateway knows.
func rawResult(res host.Result) *httpbody.HttpBody {
	return &httpbody.HttpBody{ContentType: "application/octet-stream", Data: res.Output}
}
