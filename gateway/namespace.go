package gateway

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/synodhq/synod/host/meta"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// namespaceService implements synod.v1.NamespaceService.
type namespaceService struct{ g *Gateway }

func (s *namespaceService) GetNamespace(ctx context.Context, _ *connect.Request[synodv1.GetNamespaceRequest]) (*connect.Response[synodv1.GetNamespaceResponse], error) {
	var ns meta.Namespace
	err := s.g.router.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		ns, err = catalogueOf(h).GetNamespace(ctx, callerOf(ctx).ns)
		return err
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.GetNamespaceResponse{
		Namespace: ns.Name,
		Quota:     quotaProto(ns.Quota),
		Usage:     &synodv1.Usage{Shards: uint32(ns.Usage.Shards), ModuleBytes: uint64(ns.Usage.ModuleBytes), StoredBytes: uint64(ns.Usage.StoredBytes)},
	}), nil
}

// maxLimit bounds a quota's byte and fuel limits, so that each is a
// positive int64.
const maxLimit = 1 << 62

func (s *namespaceService) SetQuota(ctx context.Context, req *connect.Request[synodv1.SetQuotaRequest]) (*connect.Response[synodv1.SetQuotaResponse], error) {
	in := req.Msg.GetQuota()
	if max(in.GetModuleBytes(), in.GetFuelPerSecond(), in.GetStoredBytes(), in.GetShardFuelLimit(), in.GetShardWriteBytesLimit(), in.GetShardWriteKeysLimit()) > maxLimit {
		return nil, invalid("quota limits must be below 2^62")
	}
	change := meta.QuotaChange{
		Shards:            convert[uint32, int](in.Shards),
		ModuleBytes:       convert[uint64, int64](in.ModuleBytes),
		RequestsPerSecond: convert[uint32, int](in.RequestsPerSecond),
		FuelPerSecond:     convert[uint64, int64](in.FuelPerSecond),
		Keys:              convert[uint32, int](in.Keys),
		StoredBytes:       convert[uint64, int64](in.StoredBytes),

		ShardFuelLimit:       convert[uint64, int64](in.ShardFuelLimit),
		ShardWriteBytesLimit: convert[uint64, int64](in.ShardWriteBytesLimit),
		ShardWriteKeysLimit:  convert[uint64, int64](in.ShardWriteKeysLimit),
	}
	var q meta.Quota
	err := s.g.router.catalogue(ctx, write, func(h Host) error {
		var err error
		q, err = catalogueOf(h).SetQuota(ctx, callerOf(ctx).ns, change)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.g.quotas.forget(callerOf(ctx).ns)
	return connect.NewResponse(&synodv1.SetQuotaResponse{Quota: quotaProto(q)}), nil
}

// convert returns a pointer to *p converted to To, or nil if p is nil.
func convert[From, To uint32 | uint64 | int | int64](p *From) *To {
	if p == nil {
		return nil
	}
	v := To(*p)
	return &v
}

// loadQuota reads a namespace's quota from the catalogue.
func (g *Gateway) loadQuota(ctx context.Context, ns string) (meta.Quota, error) {
	var q meta.Quota
	err := g.router.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		q, err = catalogueOf(h).GetQuota(ctx, ns)
		return err
	})
	return q, err
}

func quotaProto(q meta.Quota) *synodv1.Quota {
	return &synodv1.Quota{
		Shards:            proto.Uint32(uint32(q.Shards)),
		ModuleBytes:       proto.Uint64(uint64(q.ModuleBytes)),
		RequestsPerSecond: proto.Uint32(uint32(q.RequestsPerSecond)),
		FuelPerSecond:     proto.Uint64(uint64(q.FuelPerSecond)),
		Keys:              proto.Uint32(uint32(q.Keys)),
		StoredBytes:       proto.Uint64(uint64(q.StoredBytes)),

		ShardFuelLimit:       proto.Uint64(uint64(q.ShardFuelLimit)),
		ShardWriteBytesLimit: proto.Uint64(uint64(q.ShardWriteBytesLimit)),
		ShardWriteKeysLimit:  proto.Uint64(uint64(q.ShardWriteKeysLimit)),
	}
}
