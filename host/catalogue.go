package host

import (
	"context"
	"fmt"
	"time"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
)

// ModuleInfo is a module's catalogue entry.
type ModuleInfo = meta.Module

// ShardInfo is a shard's catalogue entry.
type ShardInfo = meta.Shard

// HostInfo is a host's catalogue entry.
type HostInfo = meta.Host

// RunCatalogue implements [meta.Runner] through this host's meta replica:
// commands go through the meta shard's log (this host must lead it, as for
// any proposal), queries are linearizable.
func (h *Host) RunCatalogue(ctx context.Context, req meta.Request, write bool) ([]byte, error) {
	var res Result
	var err error
	if write {
		res, err = h.propose(ctx, meta.ShardID, req.Encode())
	} else {
		res, err = h.Query(ctx, meta.ShardID, req.Encode(), Linearizable)
	}
	if err != nil {
		return nil, meta.FromResult(err)
	}
	return res.Output, nil
}

// Catalogue returns the typed catalogue API through this host.
func (h *Host) Catalogue() meta.Catalogue {
	return meta.Catalogue{Runner: h}
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
	out, err := h.Catalogue().PutModule(ctx, m, bin)
	if err != nil {
		return ModuleInfo{}, fmt.Errorf("record module %s: %w", info.Hash, err)
	}
	return out, nil
}

// Register records this host (id, name and addresses) in the catalogue,
// retrying until it succeeds or ctx ends. Unlike other catalogue commands it
// need not run on the meta leader: dragonboat forwards it there, which is
// what a host that has just started, and knows no leader's API yet, needs.
func (h *Host) Register(ctx context.Context) error {
	req := meta.Request{Op: meta.OpPutHost, Host: &meta.Host{
		ID: h.cfg.ID, Name: h.cfg.Name, RaftAddr: h.cfg.RaftAddr, APIAddr: h.cfg.APIAddr,
	}}
	cmd := req.Encode()
	for {
		err := h.proposeForwarded(ctx, meta.ShardID, cmd)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("register host %s: %w (last error: %w)", h.cfg.Name, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// LocalCatalogue answers a catalogue query from this host's own meta
// replica, without a round trip: possibly behind, but available on any host
// that runs a meta replica. The reconciler and discovery use it.
func (h *Host) LocalCatalogue(ctx context.Context, req meta.Request) ([]byte, error) {
	res, err := h.Query(ctx, meta.ShardID, req.Encode(), Stale)
	if err != nil {
		return nil, meta.FromResult(err)
	}
	return res.Output, nil
}

// loadModule returns a module ready to run, compiling it from the local
// catalogue replica if this host has not loaded it yet.
func (h *Host) loadModule(ctx context.Context, hash string) (*wasm.Module, error) {
	if m, ok := h.rt.Loaded(hash); ok {
		return m, nil
	}
	bin, err := h.LocalCatalogue(ctx, meta.Request{Op: meta.OpGetWasm, Hash: hash})
	if err != nil {
		return nil, fmt.Errorf("fetch module %s: %w", hash, err)
	}
	m, err := h.rt.Load(ctx, hash, bin)
	if err != nil {
		return nil, fmt.Errorf("load module %s: %w", hash, err)
	}
	return m, nil
}
