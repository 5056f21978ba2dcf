package hostapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
	hostv1 "github.com/synodhq/synod/proto/synod/host/v1"
	"github.com/synodhq/synod/proto/synod/host/v1/hostv1connect"
)

// Client calls one host's internal API. It has the methods of the
// gateway's view of a host (gateway.Host), and is safe for concurrent use.
type Client struct {
	id   uint64
	url  string
	api  hostv1connect.HostServiceClient
	link *linker // nil: every call over Connect
	// batchlessAt is when the host last answered a QueryBatch as a build
	// without it does (nil: never): for [batchlessRecheck] after, the
	// client sends that host's batches one by one without asking.
	batchlessAt atomic.Pointer[time.Time]
}

// batchlessRecheck is how long a client sends a host's query batches one
// by one after the host showed it lacks QueryBatch; the batches after it
// ask again (the host may have been upgraded since).
const batchlessRecheck = time.Minute

// NewClient returns a client of the host with the given id, whose internal
// API is served at baseURL (e.g. "http://10.0.0.1:7171").
func NewClient(id uint64, baseURL string, hc *http.Client) *Client {
	return &Client{id: id, url: baseURL, api: hostv1connect.NewHostServiceClient(hc, baseURL, connect.WithSendMaxBytes(maxMessageBytes))}
}

// NewLinkedClient is [NewClient] for a client that makes many calls: it
// sends Propose, Query and QueryBatch over a link to the host (see
// [LinkPath]), dialled on first use as hc's transport dials, and over
// Connect while the host serves none. Close it when done.
func NewLinkedClient(id uint64, baseURL string, hc *http.Client) *Client {
	c := NewClient(id, baseURL, hc)
	c.link = newLinker(baseURL, hc)
	return c
}

// Close closes the client's link, if it has one; its calls go over
// Connect from then on.
func (c *Client) Close() {
	if c.link != nil {
		c.link.close()
	}
}

// URL returns the base URL of the host's internal API.
func (c *Client) URL() string { return c.url }

// ID returns the host's id.
func (c *Client) ID() uint64 { return c.id }

// Propose commits a command through the host's replica.
func (c *Client) Propose(ctx context.Context, shardID uint64, cmd host.Command) (host.Result, error) {
	res, err := callHost(ctx, c, linkPropose, &hostv1.ProposeRequest{ShardId: shardID, Payload: cmd.Payload, IdempotencyKey: cmd.IdempotencyKey}, c.api.Propose)
	if err != nil {
		return host.Result{}, err
	}
	return host.Result{Output: res.GetOutput(), Index: res.GetIndex(), Fuel: res.GetFuel(), Replayed: res.GetReplayed()}, nil
}

// ProposeBatch commits a batch of commands through the host's replica.
func (c *Client) ProposeBatch(ctx context.Context, shardID uint64, atomic bool, cmds []host.Command) (host.BatchResult, error) {
	req := &hostv1.ProposeBatchRequest{ShardId: shardID, Atomic: atomic}
	for _, c := range cmds {
		req.Commands = append(req.Commands, &hostv1.ProposeRequest{ShardId: shardID, Payload: c.Payload, IdempotencyKey: c.IdempotencyKey})
	}
	res, err := c.api.ProposeBatch(ctx, connect.NewRequest(req))
	if err != nil {
		return host.BatchResult{}, decodeError(err)
	}
	out := host.BatchResult{Index: res.Msg.GetIndex(), Fuel: res.Msg.GetFuel()}
	for _, o := range res.Msg.GetOutcomes() {
		r := o.GetResult()
		out.Results = append(out.Results, host.Result{Output: r.GetOutput(), Index: r.GetIndex(), Fuel: r.GetFuel(), Replayed: r.GetReplayed()})
		var err error
		if o.GetError() != nil {
			err = fromDetail(o.GetError())
		}
		out.Errs = append(out.Errs, err)
	}
	return out, nil
}

// Query runs a read-only query through the host's replica.
func (c *Client) Query(ctx context.Context, shardID uint64, r host.Read) (host.Result, error) {
	req := &hostv1.QueryRequest{ShardId: shardID, Payload: r.Payload, Stale: r.Consistency == host.Stale}
	if r.Consistency == host.AtLeastIndex {
		req.MinIndex = r.MinIndex
	}
	res, err := callHost(ctx, c, linkQuery, req, c.api.Query)
	if err != nil {
		return host.Result{}, err
	}
	return host.Result{Output: res.GetOutput(), Index: res.GetIndex(), Fuel: res.GetFuel()}, nil
}

// QueryBatch runs several read-only queries of a shard at one
// consistency (host.Linearizable or host.Stale) through the host's replica
// (see [host.Host.QueryBatch]). To a host of a build without the call the
// client sends them one by one.
func (c *Client) QueryBatch(ctx context.Context, shardID uint64, consistency host.Consistency, payloads [][]byte) ([]host.Result, []error, error) {
	if at := c.batchlessAt.Load(); at != nil && time.Since(*at) < batchlessRecheck {
		return c.queryEach(ctx, shardID, consistency, payloads)
	}
	req := &hostv1.QueryBatchRequest{ShardId: shardID, Payloads: payloads, Stale: consistency == host.Stale}
	res, err := callHost(ctx, c, linkQueryBatch, req, c.api.QueryBatch)
	switch {
	case lacksCall(err):
		now := time.Now()
		c.batchlessAt.Store(&now)
		return c.queryEach(ctx, shardID, consistency, payloads)
	case err != nil:
		return nil, nil, err
	case len(res.GetOutcomes()) != len(payloads):
		return nil, nil, outcome.Errorf(outcome.Internal, outcome.AppliedNo, "host %d answered a batch of %d queries with %d outcomes", c.id, len(payloads), len(res.GetOutcomes()))
	}
	results, errs := make([]host.Result, len(payloads)), make([]error, len(payloads))
	for i, o := range res.GetOutcomes() {
		r := o.GetResult()
		results[i] = host.Result{Output: r.GetOutput(), Index: r.GetIndex(), Fuel: r.GetFuel()}
		if he := o.GetError(); he != nil {
			errs[i] = withFuel(he)
		}
	}
	return results, errs, nil
}

// lacksCall reports whether err is a host's answer to a call its build
// does not serve: over a link, an unknown method (Invalid, not applied:
// a batch this client encodes is never otherwise invalid as a whole,
// whatever its queries hold; its limits are OverLimit); over Connect, an
// unimplemented procedure.
func lacksCall(err error) bool {
	var ce *connect.Error
	return outcome.KindOf(err) == outcome.Invalid && outcome.AppliedOf(err) == outcome.AppliedNo ||
		errors.As(err, &ce) && ce.Code() == connect.CodeUnimplemented
}

// queryEach runs queries one by one, up to eachAtOnce at a time, for a
// host without QueryBatch. Once ctx ends it starts no more, and the batch
// fails with ctx's error.
func (c *Client) queryEach(ctx context.Context, shardID uint64, consistency host.Consistency, payloads [][]byte) ([]host.Result, []error, error) {
	results, errs := make([]host.Result, len(payloads)), make([]error, len(payloads))
	slots := make(chan struct{}, eachAtOnce)
	var wg sync.WaitGroup
	for i, p := range payloads {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			results[i], errs[i] = c.Query(ctx, shardID, host.Read{Payload: p, Consistency: consistency})
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, nil, fmt.Errorf("queries of shard %d on host %d, one by one: %w", shardID, c.id, ctx.Err())
	}
	return results, errs, nil
}

// eachAtOnce bounds the queries of a batch that queryEach runs at once.
const eachAtOnce = 16

// Status asks the host, in one call bounded by ctx, what it knows of a
// shard (see [host.Host.Status]). An error means the host could not be
// asked or failed to answer.
func (c *Client) Status(ctx context.Context, shardID uint64, wakeQuiesced bool) (host.ReplicaStatus, error) {
	res, err := c.api.ShardStatus(ctx, connect.NewRequest(&hostv1.ShardStatusRequest{ShardId: shardID, LookOnly: !wakeQuiesced}))
	if err != nil {
		return host.ReplicaStatus{}, fmt.Errorf("status of shard %d on host %d at %s: %w", shardID, c.id, c.url, decodeError(err))
	}
	st := res.Msg
	return host.ReplicaStatus{
		HasLeader: st.GetHasLeader(), LeaderReplicaID: st.GetLeaderReplicaId(),
		HasReplica: st.GetHasReplica(), Voting: st.GetVoting(), Hibernating: st.GetHibernating(),
		Health: host.Health{AppliedIndex: st.GetAppliedIndex(), Checksum: st.GetChecksum(),
			VerifiedIndex: st.GetVerifiedIndex(), DivergedIndex: st.GetDivergedIndex(), StoredBytes: st.GetStoredBytes()},
		Halted: haltOf(st.GetHalted()),
	}, nil
}

// UploadModule validates a module on the host and records it.
func (c *Client) UploadModule(ctx context.Context, ns string, wasm []byte) (host.ModuleInfo, error) {
	res, err := c.api.UploadModule(ctx, connect.NewRequest(&hostv1.UploadModuleRequest{Namespace: ns, Wasm: wasm}))
	if err != nil {
		return host.ModuleInfo{}, decodeError(err)
	}
	var m host.ModuleInfo
	return m, meta.Decode(res.Msg.GetModule(), &m)
}

// RunCatalogue implements [meta.Runner] through the host.
func (c *Client) RunCatalogue(ctx context.Context, req meta.Request, write bool) ([]byte, error) {
	res, err := c.api.RunCatalogue(ctx, connect.NewRequest(&hostv1.RunCatalogueRequest{Request: req.Encode(), Write: write}))
	if err != nil {
		return nil, decodeError(err)
	}
	return res.Msg.GetResult(), nil
}

// Verify has the host, which must lead the shard, propose a verify entry,
// and returns the index it compares.
func (c *Client) Verify(ctx context.Context, shardID uint64) (uint64, error) {
	res, err := c.api.Verify(ctx, connect.NewRequest(&hostv1.VerifyRequest{ShardId: shardID}))
	if err != nil {
		return 0, decodeError(err)
	}
	return res.Msg.GetIndex(), nil
}

// Join asks the host to admit a new host to the cluster, and returns the
// new host's id.
func (c *Client) Join(ctx context.Context, name, raftAddr, apiAddr string) (uint64, error) {
	res, err := c.api.Join(ctx, connect.NewRequest(&hostv1.JoinRequest{Name: name, RaftAddress: raftAddr, ApiAddress: apiAddr}))
	if err != nil {
		return 0, decodeError(err)
	}
	return res.Msg.GetHostId(), nil
}

// Leaving tells the host that the host with the given id is about to
// stop (see host.Host.PeerLeaving).
func (c *Client) Leaving(ctx context.Context, hostID uint64) error {
	if _, err := c.api.Leaving(ctx, connect.NewRequest(&hostv1.LeavingRequest{HostId: hostID})); err != nil {
		return decodeError(err)
	}
	return nil
}

// LocalHosts lists the registered hosts as the host's own meta replica
// knows them: any host with a meta replica answers, without a round trip.
func (c *Client) LocalHosts(ctx context.Context) ([]meta.Host, error) {
	res, err := c.api.RunCatalogue(ctx, connect.NewRequest(&hostv1.RunCatalogueRequest{
		Request: meta.Request{Op: meta.OpListHosts}.Encode(), Stale: true,
	}))
	if err != nil {
		return nil, decodeError(err)
	}
	var out []meta.Host
	return out, meta.Decode(res.Msg.GetResult(), &out)
}

// haltOf decodes a replica's halt, if any.
func haltOf(h *hostv1.Halt) *host.Halt {
	if h == nil {
		return nil
	}
	return &host.Halt{Index: h.GetIndex(), Times: int(h.GetTimes()), Restart: time.UnixMilli(h.GetRestartUnixMs()), Reason: h.GetReason()}
}
