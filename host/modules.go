package host

import (
	"context"
	"errors"
	"fmt"

	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
)

// UploadModule validates a module, compiles it into this host's cache and
// records it in a namespace of the catalogue. Uploading the same bytes
// again returns the existing entry. The module is not kept loaded: a
// replica that runs it loads it.
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
// catalogue replica if this host does not hold it now. The caller holds
// it until it releases it (see [wasm.Runtime.Load]): a replica holds its
// module while it runs (see replicaSet.start), so that a module no
// replica here runs, or that was deleted, holds no memory.
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

// reportBadModule logs at error level, once per module hash, that the
// bytes of the module a shard runs do not match its hash: this host
// refuses to run them (see [wasm.Runtime.Load]) and keeps refusing on
// every reconcile pass, and an operator must look. Other load errors stay
// with the reconciler's own logging.
func (c *controller) reportBadModule(s meta.Shard, err error) {
	if !errors.Is(err, wasm.ErrHashMismatch) {
		return
	}
	c.mu.Lock()
	seen := c.badModules[s.Module]
	c.badModules[s.Module] = true
	c.mu.Unlock()
	if !seen {
		c.cfg.Logger.Error("module bytes do not match their hash: refusing to run the shard's replica here",
			"host", c.cfg.Name, "namespace", s.Namespace, "shard", s.Name, "module", s.Module, "err", err)
	}
}
