package synod

import (
	"context"
	"fmt"
	"os"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// UploadModule validates and stores a WebAssembly module, and returns its
// metadata; its hash names it from then on. Uploading the same bytes again
// is harmless: modules are content-addressed.
func (c *Client) UploadModule(ctx context.Context, wasm []byte) (*synodv1.Module, error) {
	res, err := call(ctx, c, "upload module", true, c.modules.UploadModule, &synodv1.UploadModuleRequest{Wasm: wasm, Namespace: c.namespace})
	if err != nil {
		return nil, err
	}
	return res.GetModule(), nil
}

// UploadModuleFile uploads the WebAssembly module in the file at path, as
// [Client.UploadModule] does.
func (c *Client) UploadModuleFile(ctx context.Context, path string) (*synodv1.Module, error) {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("synod: upload module: %w", err)
	}
	return c.UploadModule(ctx, wasm)
}

// GetModule returns the metadata of the module with the given hash.
func (c *Client) GetModule(ctx context.Context, hash string) (*synodv1.Module, error) {
	res, err := call(ctx, c, "get module", true, c.modules.GetModule, &synodv1.GetModuleRequest{Hash: hash, Namespace: c.namespace})
	if err != nil {
		return nil, err
	}
	return res.GetModule(), nil
}

// ListModules returns the metadata of every module of the namespace,
// ordered by hash.
func (c *Client) ListModules(ctx context.Context) ([]*synodv1.Module, error) {
	res, err := call(ctx, c, "list modules", true, c.modules.ListModules, &synodv1.ListModulesRequest{Namespace: c.namespace})
	if err != nil {
		return nil, err
	}
	return res.GetModules(), nil
}

// DeleteModule deletes the module with the given hash. It fails with
// [connect.CodeFailedPrecondition] while a shard runs the module.
func (c *Client) DeleteModule(ctx context.Context, hash string) error {
	_, err := call(ctx, c, "delete module", false, c.modules.DeleteModule, &synodv1.DeleteModuleRequest{Hash: hash, Namespace: c.namespace})
	return err
}
