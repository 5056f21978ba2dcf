package gateway

import (
	"context"

	"connectrpc.com/connect"

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
		Usage:     &synodv1.Usage{Shards: uint32(ns.Usage.Shards), ModuleBytes: uint64(ns.Usage.ModuleBytes)},
	}), nil
}

func (s *namespaceService) SetQuota(ctx context.Context, req *connect.Request[synodv1.SetQuotaRequest]) (*connect.Response[synodv1.SetQuotaResponse], error) {
	in := req.Msg.GetQuota()
	const maxLimit = 1 << 62 // keeps every limit a positive int64
	if in.GetModuleBytes() > maxLimit || in.GetFuelPerSecond() > maxLimit {
		return nil, invalid("quota limits must be below 2^62")
	}
	q := meta.Quota{
		Shards:            int(in.GetShards()),
		ModuleBytes:       int64(in.GetModuleBytes()),
		RequestsPerSecond: int(in.GetRequestsPerSecond()),
		FuelPerSecond:     int64(in.GetFuelPerSecond()),
	}
	err := s.g.router.catalogue(ctx, write, func(h Host) error {
		var err error
		q, err = catalogueOf(h).SetQuota(ctx, callerOf(ctx).ns, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.SetQuotaResponse{Quota: quotaProto(q)}), nil
}

// loadQuota reads a namespace's quota from the catalogue.
func (g *Gateway) loadQuota(ctx context.Context, ns string) (meta.Quota, error) {
	var out meta.Namespace
	err := g.router.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		out, err = catalogueOf(h).GetNamespace(ctx, ns)
		return err
	})
	return out.Quota, err
}

func quotaProto(q meta.Quota) *synodv1.Quota {
	return &synodv1.Quota{
		Shards:            uint32(q.Shards),
		ModuleBytes:       uint64(q.ModuleBytes),
		RequestsPerSecond: uint32(q.RequestsPerSecond),
		FuelPerSecond:     uint64(q.FuelPerSecond),
	}
}
