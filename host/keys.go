package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/access"
)

// BootstrapKey records a new cluster's first key, a cluster admin whose
// token the operator holds, retrying until the meta shard answers. Like a
// heartbeat it need not run on the meta leader. It returns an error
// matching [meta.ErrKeyExists] if the cluster has had its first key
// already; only the key's id and the hash of its secret leave this call.
func (h *Host) BootstrapKey(ctx context.Context, tok access.Token) error {
	req := meta.Request{Op: meta.OpBootstrapKey, Key: &meta.Key{
		ID: tok.ID, Name: "bootstrap admin", SecretHash: tok.Hash(), Grant: access.Grant{ClusterAdmin: true},
	}}
	for {
		_, err := h.data.proposeForwarded(ctx, req)
		if err == nil || errors.Is(err, meta.ErrKeyExists) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("record the cluster's first admin key: %w (last error: %w)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
