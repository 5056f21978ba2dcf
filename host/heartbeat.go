package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/synodhq/synod/host/meta"
)

// Register records this host (id, name and addresses) in the catalogue
// with a first heartbeat, retrying until it succeeds or ctx ends. The host
// heartbeats on its own from then on.
func (h *Host) Register(ctx context.Context) error {
	for {
		err := h.ctl.heartbeat(ctx)
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
func (c *controller) heartbeat(ctx context.Context) error {
	_, err := c.data.proposeForwarded(ctx, meta.Request{Op: meta.OpHeartbeat, IDFloor: c.cfg.idFloor(), Host: &meta.Host{
		ID: c.cfg.ID, Name: c.cfg.Name, RaftAddr: c.cfg.RaftAddr, APIAddr: c.cfg.APIAddr,
	}})
	if errors.Is(err, meta.ErrHostRemoved) {
		c.markRemoved()
	}
	return err
}

// heartbeatLoop heartbeats every meta.HeartbeatInterval until the host
// closes or is removed.
func (c *controller) heartbeatLoop() {
	ctx, cancel := c.stopContext()
	defer cancel()
	tick := time.NewTicker(meta.HeartbeatInterval)
	defer tick.Stop()
	for !c.removed.Load() {
		if err := c.heartbeat(ctx); err != nil && ctx.Err() == nil {
			c.cfg.Logger.Debug("heartbeat", "host", c.cfg.Name, "err", err)
		}
		select {
		case <-c.quit:
			return
		case <-tick.C:
		}
	}
}
