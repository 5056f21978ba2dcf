package host

import (
	"context"
	"fmt"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
)

// ModuleInfo is a module's catalogue entry.
type ModuleInfo = meta.Module

// ShardInfo is a shard's catalogue entry.
type ShardInfo = meta.Shard

// HostInfo is a host's catalogue entry.
type HostInfo = meta.Host

// proposeMeta runs a catalogue command and decodes its result into out (if
// not nil).
func (h *Host) proposeMeta(ctx context.Context, req meta.Request, out any) error {
	res, err := h.propose(ctx, meta.ShardID, req.Encode())
	if err != nil {
		return meta.FromResult(err)
	}
	if out == nil {
		return nil
	}
	return meta.Decode(res.Output, out)
}

// queryMeta runs a linearizable catalogue query.
func (h *Host) queryMeta(ctx context.Context, req meta.Request, c Consistency, out any) error {
	res, err := h.Query(ctx, meta.ShardID, req.Encode(), c)
	if err != nil {
		return meta.FromResult(err)
	}
	return meta.Decode(res.Output, out)
}

// UploadModule validates a module, compiles it into this host's cache and
// records it in the catalogue. Uploading the same bytes again returns the
// existing entry.
func (h *Host) UploadModule(ctx context.Context, bin []byte) (ModuleInfo, error) {
	info, err := h.rt.Validate(ctx, bin)
	if err != nil {
		return ModuleInfo{}, err
	}
	m := meta.Module{Hash: info.Hash, Size: int64(len(bin)), ABIVersion: info.ABIVersion}
	var out ModuleInfo
	if err := h.proposeMeta(ctx, meta.Request{Op: meta.OpPutModule, Module: &m, Wasm: bin}, &out); err != nil {
		return ModuleInfo{}, fmt.Errorf("record module %s: %w", info.Hash, err)
	}
	return out, nil
}

// GetModule returns a module's catalogue entry.
func (h *Host) GetModule(ctx context.Context, hash string) (ModuleInfo, error) {
	var out ModuleInfo
	err := h.queryMeta(ctx, meta.Request{Op: meta.OpGetModule, Hash: hash}, Linearizable, &out)
	return out, err
}

// ListModules returns every module, ordered by hash.
func (h *Host) ListModules(ctx context.Context) ([]ModuleInfo, error) {
	var out []ModuleInfo
	err := h.queryMeta(ctx, meta.Request{Op: meta.OpListModules}, Linearizable, &out)
	return out, err
}

// DeleteModule deletes a module no shard uses.
func (h *Host) DeleteModule(ctx context.Context, hash string) error {
	return h.proposeMeta(ctx, meta.Request{Op: meta.OpDeleteModule, Hash: hash}, nil)
}

// CreateShard records a new shard in the catalogue and places its
// replicas; the hosts chosen start them. replicas 0 means the default.
func (h *Host) CreateShard(ctx context.Context, name, module string, replicas int) (ShardInfo, error) {
	var out ShardInfo
	err := h.proposeMeta(ctx, meta.Request{Op: meta.OpCreateShard, Name: name, Hash: module, Replicas: replicas}, &out)
	return out, err
}

// GetShard returns a shard's catalogue entry.
func (h *Host) GetShard(ctx context.Context, name string) (ShardInfo, error) {
	var out ShardInfo
	err := h.queryMeta(ctx, meta.Request{Op: meta.OpGetShard, Name: name}, Linearizable, &out)
	return out, err
}

// ListShards returns every shard, ordered by name.
func (h *Host) ListShards(ctx context.Context) ([]ShardInfo, error) {
	var out []ShardInfo
	err := h.queryMeta(ctx, meta.Request{Op: meta.OpListShards}, Linearizable, &out)
	return out, err
}

// DeleteShard removes a shard from the catalogue; its hosts stop its
// replicas and delete its state.
func (h *Host) DeleteShard(ctx context.Context, name string) error {
	return h.proposeMeta(ctx, meta.Request{Op: meta.OpDeleteShard, Name: name}, nil)
}

// RegisterHost records (or updates) a host in the catalogue.
func (h *Host) RegisterHost(ctx context.Context, info HostInfo) error {
	return h.proposeMeta(ctx, meta.Request{Op: meta.OpPutHost, Host: &info}, nil)
}

// ListHosts returns every registered host, ordered by id.
func (h *Host) ListHosts(ctx context.Context) ([]HostInfo, error) {
	var out []HostInfo
	err := h.queryMeta(ctx, meta.Request{Op: meta.OpListHosts}, Linearizable, &out)
	return out, err
}

// loadModule returns a module ready to run, compiling it from the local
// catalogue replica if this host has not loaded it yet.
func (h *Host) loadModule(ctx context.Context, hash string) (*wasm.Module, error) {
	if m, ok := h.rt.Loaded(hash); ok {
		return m, nil
	}
	res, err := h.Query(ctx, meta.ShardID, meta.Request{Op: meta.OpGetWasm, Hash: hash}.Encode(), Stale)
	if err != nil {
		return nil, fmt.Errorf("fetch module %s: %w", hash, meta.FromResult(err))
	}
	m, err := h.rt.Load(ctx, hash, res.Output)
	if err != nil {
		return nil, fmt.Errorf("load module %s: %w", hash, err)
	}
	return m, nil
}
