package host

import (
	"context"
	"fmt"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
)

// UploadModule validates a module, compiles it into this host's cache and
// records it in a namespace of the catalogue. Uploading the same bytes
// again returns the existing entry.
func (h *Host) UploadModule(ctx context.Context, ns string, bin []byte) (ModuleInfo, error) {
	info, err := h.rt.Validate(ctx, bin)
	if err != nil {
		return ModuleInfo{}, err
	}
	m := meta.Module{Hash: info.Hash, Size: int64(len(bin)), ABIVersion: info.ABIVersion}
	out, err := h.Catalogue().PutModule(ctx, ns, m, bin)
	if err != nil {
		return ModuleInfo{}, fmt.Errorf("record module %s: %w", info.Hash, err)
	}
	return out, nil
}

// loadModule returns a module ready to run, compiling it from the local
// catalogue replica if this host has not loaded it yet.
func (c *controller) loadModule(ctx context.Context, hash string) (*wasm.Module, error) {
	if m, ok := c.rt.Loaded(hash); ok {
		return m, nil
	}
	bin, err := c.data.localCatalogue(ctx, meta.Request{Op: meta.OpGetWasm, Hash: hash})
	if err != nil {
		return nil, fmt.Errorf("fetch module %s: %w", hash, err)
	}
	m, err := c.rt.Load(ctx, hash, bin)
	if err != nil {
		return nil, fmt.Errorf("load module %s: %w", hash, err)
	}
	return m, nil
}
