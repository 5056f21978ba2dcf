package hostapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/bodylimit"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/strictjson"
	hostv1 "github.com/synodhq/synod/proto/synod/host/v1"
	"github.com/synodhq/synod/proto/synod/host/v1/hostv1connect"
)

// maxMessageBytes bounds what a client sends to a host: a module of the
// largest size allowed, plus framing.
const maxMessageBytes = bodylimit.DefaultMaxBytes

// NewHandler returns the path and handler that serve h's internal API,
// which refuses a request message over maxRequestBytes (0: 20 MiB) without
// reading or decompressing it further.
func NewHandler(h *host.Host, maxRequestBytes int) (string, http.Handler) {
	if maxRequestBytes == 0 {
		maxRequestBytes = bodylimit.DefaultMaxBytes
	}
	opts := append(bodylimit.ConnectOptions(maxRequestBytes), strictjson.HandlerOption(), connect.WithInterceptors(errorEncoder()))
	return hostv1connect.NewHostServiceHandler(&server{h: h}, opts...)
}

// errorEncoder attaches a HostError detail to every error.
func errorEncoder() connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			res, err := next(ctx, req)
			return res, encodeError(err)
		}
	}
}

// server implements hostv1connect.HostServiceHandler over a host.
type server struct {
	h *host.Host
}

func (s *server) Propose(ctx context.Context, req *connect.Request[hostv1.ProposeRequest]) (*connect.Response[hostv1.ProposeResponse], error) {
	res, err := s.propose(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

// propose serves a Propose, over Connect or the link.
func (s *server) propose(ctx context.Context, req *hostv1.ProposeRequest) (*hostv1.ProposeResponse, error) {
	res, err := s.h.Propose(ctx, req.GetShardId(), host.Command{Payload: req.GetPayload(), IdempotencyKey: req.GetIdempotencyKey()})
	if err != nil {
		return nil, err
	}
	return &hostv1.ProposeResponse{Output: res.Output, Index: res.Index, Fuel: res.Fuel, Replayed: res.Replayed}, nil
}

func (s *server) ProposeBatch(ctx context.Context, req *connect.Request[hostv1.ProposeBatchRequest]) (*connect.Response[hostv1.ProposeBatchResponse], error) {
	cmds := make([]host.Command, len(req.Msg.GetCommands()))
	for i, c := range req.Msg.GetCommands() {
		cmds[i] = host.Command{Payload: c.GetPayload(), IdempotencyKey: c.GetIdempotencyKey()}
	}
	res, err := s.h.ProposeBatch(ctx, req.Msg.GetShardId(), req.Msg.GetAtomic(), cmds)
	if err != nil {
		return nil, err
	}
	out := &hostv1.ProposeBatchResponse{Index: res.Index, Fuel: res.Fuel}
	for i, r := range res.Results {
		o := &hostv1.CommandOutcome{Result: &hostv1.ProposeResponse{Output: r.Output, Index: r.Index, Fuel: r.Fuel, Replayed: r.Replayed}}
		if res.Errs[i] != nil {
			o.Error = detailOf(res.Errs[i])
		}
		out.Outcomes = append(out.Outcomes, o)
	}
	return connect.NewResponse(out), nil
}

func (s *server) Query(ctx context.Context, req *connect.Request[hostv1.QueryRequest]) (*connect.Response[hostv1.QueryResponse], error) {
	res, err := s.query(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (s *server) QueryBatch(ctx context.Context, req *connect.Request[hostv1.QueryBatchRequest]) (*connect.Response[hostv1.QueryBatchResponse], error) {
	res, err := s.queryBatch(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

// queryBatch serves a QueryBatch, over Connect or the link.
func (s *server) queryBatch(ctx context.Context, req *hostv1.QueryBatchRequest) (*hostv1.QueryBatchResponse, error) {
	c := host.Linearizable
	if req.GetStale() {
		c = host.Stale
	}
	results, errs, err := s.h.QueryBatch(ctx, req.GetShardId(), c, req.GetPayloads())
	if err != nil {
		return nil, err
	}
	out := &hostv1.QueryBatchResponse{Outcomes: make([]*hostv1.QueryOutcome, len(results))}
	for i, r := range results {
		o := &hostv1.QueryOutcome{Result: &hostv1.QueryResponse{Output: r.Output, Index: r.Index, Fuel: r.Fuel}}
		if errs[i] != nil {
			o.Error = detailOf(errs[i])
		}
		out.Outcomes[i] = o
	}
	return out, nil
}

// query serves a Query, over Connect or the link.
func (s *server) query(ctx context.Context, req *hostv1.QueryRequest) (*hostv1.QueryResponse, error) {
	r := host.Read{Payload: req.GetPayload(), Consistency: host.Linearizable}
	switch {
	case req.GetMinIndex() > 0:
		r.Consistency, r.MinIndex = host.AtLeastIndex, req.GetMinIndex()
	case req.GetStale():
		r.Consistency = host.Stale
	}
	res, err := s.h.Query(ctx, req.GetShardId(), r)
	if err != nil {
		return nil, err
	}
	return &hostv1.QueryResponse{Output: res.Output, Index: res.Index, Fuel: res.Fuel}, nil
}

func (s *server) ShardStatus(ctx context.Context, req *connect.Request[hostv1.ShardStatusRequest]) (*connect.Response[hostv1.ShardStatusResponse], error) {
	st, err := s.h.Status(ctx, req.Msg.GetShardId(), !req.Msg.GetLookOnly())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hostv1.ShardStatusResponse{
		HasLeader: st.HasLeader, LeaderReplicaId: st.LeaderReplicaID,
		HasReplica: st.HasReplica, AppliedIndex: st.AppliedIndex, Voting: st.Voting,
		Checksum: st.Checksum, VerifiedIndex: st.VerifiedIndex, DivergedIndex: st.DivergedIndex,
		StoredBytes: st.StoredBytes, Halted: haltProto(st.Halted), Hibernating: st.Hibernating,
	}), nil
}

func (s *server) UploadModule(ctx context.Context, req *connect.Request[hostv1.UploadModuleRequest]) (*connect.Response[hostv1.UploadModuleResponse], error) {
	m, err := s.h.UploadModule(ctx, req.Msg.GetNamespace(), req.Msg.GetWasm())
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode module entry: %w", err)
	}
	return connect.NewResponse(&hostv1.UploadModuleResponse{Module: b}), nil
}

func (s *server) RunCatalogue(ctx context.Context, req *connect.Request[hostv1.RunCatalogueRequest]) (*connect.Response[hostv1.RunCatalogueResponse], error) {
	var r meta.Request
	if err := meta.Decode(req.Msg.GetRequest(), &r); err != nil {
		return nil, outcome.Errorf(outcome.Invalid, outcome.AppliedNo, "catalogue request: %w", err)
	}
	var b []byte
	var err error
	if req.Msg.GetStale() && !req.Msg.GetWrite() {
		b, err = s.h.LocalCatalogue(ctx, r)
	} else {
		b, err = s.h.RunCatalogue(ctx, r, req.Msg.GetWrite())
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hostv1.RunCatalogueResponse{Result: b}), nil
}

func (s *server) Join(ctx context.Context, req *connect.Request[hostv1.JoinRequest]) (*connect.Response[hostv1.JoinResponse], error) {
	hi, err := s.h.Admit(ctx, req.Msg.GetName(), req.Msg.GetRaftAddress(), req.Msg.GetApiAddress())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hostv1.JoinResponse{HostId: hi.ID}), nil
}

func (s *server) Verify(ctx context.Context, req *connect.Request[hostv1.VerifyRequest]) (*connect.Response[hostv1.VerifyResponse], error) {
	index, err := s.h.Verify(ctx, req.Msg.GetShardId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hostv1.VerifyResponse{Index: index}), nil
}

func (s *server) Leaving(ctx context.Context, req *connect.Request[hostv1.LeavingRequest]) (*connect.Response[hostv1.LeavingResponse], error) {
	if err := s.h.PeerLeaving(ctx, req.Msg.GetHostId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&hostv1.LeavingResponse{}), nil
}

// haltProto encodes a replica's halt, if any.
func haltProto(h *host.Halt) *hostv1.Halt {
	if h == nil {
		return nil
	}
	return &hostv1.Halt{Index: h.Index, Times: uint32(h.Times), RestartUnixMs: h.Restart.UnixMilli(), Reason: h.Reason}
}
