package host

import (
	"context"
	"errors"
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

// Register records this host (id, name and addresses) in the catalogue
// with a first heartbeat, retrying until it succeeds or ctx ends. The host
// heartbeats on its own from then on.
func (h *Host) Register(ctx context.Context) error {
	for {
		err := h.heartbeat(ctx)
		if err == nil || errors.Is(err, meta.ErrHostRemoved) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("register host %s: %w (last error: %w)", h.cfg.Name, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// heartbeat records that this host is up. Unlike other catalogue commands
// it need not run on the meta leader: dragonboat forwards it there, which
// is what a host that has just started, and knows no leader's API yet,
// needs.
func (h *Host) heartbeat(ctx context.Context) error {
	_, err := h.proposeForwarded(ctx, meta.Request{Op: meta.OpHeartbeat, IDFloor: h.idFloor(), Host: &meta.Host{
		ID: h.cfg.ID, Name: h.cfg.Name, RaftAddr: h.cfg.RaftAddr, APIAddr: h.cfg.APIAddr,
	}})
	if errors.Is(err, meta.ErrHostRemoved) && !h.removed.Swap(true) {
		h.cfg.Logger.Error("this host was removed from the cluster: it stops its replicas and should be shut down",
			"host", h.cfg.Name, "id", h.cfg.ID)
		h.poke()
	}
	return err
}

// idFloor returns the highest id of the initial cluster this host knows.
func (h *Host) idFloor() uint64 {
	var floor uint64
	for id := range h.cfg.MetaMembers {
		floor = max(floor, id)
	}
	return floor
}

// heartbeatLoop heartbeats every meta.HeartbeatInterval until the host
// closes or is removed.
func (h *Host) heartbeatLoop() {
	ctx, cancel := h.stopContext()
	defer cancel()
	tick := time.NewTicker(meta.HeartbeatInterval)
	defer tick.Stop()
	for !h.removed.Load() {
		if err := h.heartbeat(ctx); err != nil && ctx.Err() == nil {
			h.cfg.Logger.Debug("heartbeat", "host", h.cfg.Name, "err", err)
		}
		select {
		case <-h.stop:
			return
		case <-tick.C:
		}
	}
}

// Admit admits a new host to the cluster on its behalf: the host asks any
// member, and the member forwards the command to the meta leader. It
// returns the new host's entry, with its id.
func (h *Host) Admit(ctx context.Context, name, raftAddr, apiAddr string) (HostInfo, error) {
	out, err := h.proposeForwarded(ctx, meta.Request{Op: meta.OpJoinHost, IDFloor: h.idFloor(), Host: &meta.Host{
		Name: name, RaftAddr: raftAddr, APIAddr: apiAddr,
	}})
	if err != nil {
		return HostInfo{}, fmt.Errorf("admit host %s: %w", name, err)
	}
	var hi HostInfo
	return hi, meta.Decode(out, &hi)
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
