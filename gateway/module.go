package gateway

import (
	"context"
	"encoding/hex"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// moduleService implements synod.v1.ModuleService.
type moduleService struct{ g *Gateway }

func (s *moduleService) UploadModule(ctx context.Context, req *connect.Request[synodv1.UploadModuleRequest]) (*connect.Response[synodv1.UploadModuleResponse], error) {
	if len(req.Msg.GetWasm()) == 0 {
		return nil, invalid("wasm is empty: send the module's bytes")
	}
	var m host.ModuleInfo
	// Uploading the same bytes again returns the entry the first upload
	// made, so an upload whose outcome is unknown is sent again.
	err := s.g.router.catalogue(ctx, connect.IdempotencyIdempotent, func(h Host) error {
		var err error
		m, err = h.UploadModule(ctx, callerOf(ctx).ns, req.Msg.GetWasm())
		return err
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.UploadModuleResponse{Module: moduleProto(m, nil)}), nil
}

func (s *moduleService) GetModule(ctx context.Context, req *connect.Request[synodv1.GetModuleRequest]) (*connect.Response[synodv1.GetModuleResponse], error) {
	if err := checkHash(req.Msg.GetHash()); err != nil {
		return nil, err
	}
	var m host.ModuleInfo
	var shards []host.ShardInfo
	err := s.g.router.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		ns := callerOf(ctx).ns
		if m, err = catalogueOf(h).GetModule(ctx, ns, req.Msg.GetHash()); err != nil {
			return err
		}
		shards, err = catalogueOf(h).ListShards(ctx, ns)
		return err
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.GetModuleResponse{Module: moduleProto(m, shards)}), nil
}

func (s *moduleService) ListModules(ctx context.Context, _ *connect.Request[synodv1.ListModulesRequest]) (*connect.Response[synodv1.ListModulesResponse], error) {
	var mods []host.ModuleInfo
	var shards []host.ShardInfo
	err := s.g.router.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		ns := callerOf(ctx).ns
		if mods, err = catalogueOf(h).ListModules(ctx, ns); err != nil {
			return err
		}
		shards, err = catalogueOf(h).ListShards(ctx, ns)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &synodv1.ListModulesResponse{}
	for _, m := range mods {
		out.Modules = append(out.Modules, moduleProto(m, shards))
	}
	return connect.NewResponse(out), nil
}

func (s *moduleService) DeleteModule(ctx context.Context, req *connect.Request[synodv1.DeleteModuleRequest]) (*connect.Response[synodv1.DeleteModuleResponse], error) {
	if err := checkHash(req.Msg.GetHash()); err != nil {
		return nil, err
	}
	err := s.g.router.catalogue(ctx, write, func(h Host) error {
		return catalogueOf(h).DeleteModule(ctx, callerOf(ctx).ns, req.Msg.GetHash())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.DeleteModuleResponse{}), nil
}

// checkHash rejects anything but a lowercase hex SHA-256.
func checkHash(h string) error {
	if b, err := hex.DecodeString(h); err != nil || len(b) != 32 || hex.EncodeToString(b) != h {
		return invalid("module hash %q is not a lowercase hex SHA-256 (64 characters)", h)
	}
	return nil
}

func moduleProto(m host.ModuleInfo, shards []host.ShardInfo) *synodv1.Module {
	out := &synodv1.Module{
		Namespace:  m.Namespace,
		Hash:       m.Hash,
		SizeBytes:  m.Size,
		AbiVersion: m.ABIVersion,
		CreateTime: timestamppb.New(time.Unix(0, m.CreateNanos)),
	}
	for _, s := range shards {
		if s.Module == m.Hash {
			out.Shards = append(out.Shards, s.Name)
		}
	}
	return out
}
