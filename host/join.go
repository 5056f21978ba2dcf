package host

import (
	"context"
	"fmt"

	"github.com/synodhq/synod/host/meta"
)

// Admit admits a new host to the cluster on its behalf: the host asks any
// member, and the member forwards the command to the meta leader. It
// returns the new host's entry, with its id.
func (h *Host) Admit(ctx context.Context, name, raftAddr, apiAddr string) (HostInfo, error) {
	out, err := h.data.proposeForwarded(ctx, meta.Request{Op: meta.OpJoinHost, IDFloor: h.cfg.idFloor(), Host: &meta.Host{
		Name: name, RaftAddr: raftAddr, APIAddr: apiAddr,
	}})
	if err != nil {
		return HostInfo{}, fmt.Errorf("admit host %s: %w", name, err)
	}
	var hi HostInfo
	return hi, meta.Decode(out, &hi)
}
