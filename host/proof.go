package host

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
)

// challengeRetry is how long the meta leader waits for a host to answer
// its challenge before it challenges the host again.
const challengeRetry = 5 * time.Second

// challengeHosts, on the meta leader, challenges every live, active host
// that is not proven, or whose proof is half way to expiring, with a new
// secret nonce (see package meta, proof.go). The nonce reaches the host
// only through its meta replica's Raft log.
func (c *controller) challengeHosts(ctx context.Context, hosts map[uint64]meta.Host) error {
	if !c.data.leads(meta.ShardID) {
		return nil
	}
	now := time.Now()
	for _, id := range slices.Sorted(maps.Keys(hosts)) {
		h := hosts[id]
		fresh := h.Proven(now.UnixNano()) && now.UnixNano()-h.ProvenNanos < int64(meta.ProofTimeout/2)
		c.mu.Lock()
		recent := now.Sub(c.challenged[id]) < challengeRetry
		c.mu.Unlock()
		if !h.Placeable(now.UnixNano()) || fresh || recent {
			continue
		}
		req := meta.Request{Op: meta.OpChallengeHost, HostID: id, Nonce: rand.Text()}
		if _, err := c.data.proposeForwarded(ctx, req); err != nil {
			return fmt.Errorf("challenge host %s: %w", h.Name, err)
		}
		c.mu.Lock()
		c.challenged[id] = now
		c.mu.Unlock()
	}
	return nil
}

// answerChallenge answers this host's open challenge, read from its own
// meta replica, through that replica.
func (c *controller) answerChallenge(ctx context.Context) error {
	var ch meta.Challenge
	if err := c.localCatalogue(ctx, meta.Request{Op: meta.OpGetChallenge, HostID: c.cfg.ID}, &ch); err != nil {
		return fmt.Errorf("read challenge: %w", err)
	}
	c.mu.Lock()
	answered := c.answered
	c.mu.Unlock()
	if ch.Nonce == "" || ch.Nonce == answered {
		return nil
	}
	if _, err := c.data.proposeForwarded(ctx, meta.Request{Op: meta.OpProveHost, HostID: c.cfg.ID, Nonce: ch.Nonce}); err != nil {
		return fmt.Errorf("answer challenge: %w", err)
	}
	c.mu.Lock()
	c.answered = ch.Nonce
	c.mu.Unlock()
	return nil
}

// refuseHostOnly refuses a catalogue request that only a host's own
// controller may make (see [meta.Op.HostOnly]) when it comes from
// elsewhere: a caller of the host API or a gateway.
func refuseHostOnly(req meta.Request) error {
	if req.Op.HostOnly() {
		return outcome.Errorf(outcome.Invalid, outcome.AppliedNo, "catalogue request %s is made only by a host, through its own meta replica", req.Op)
	}
	return nil
}

// AwaitProven waits until the catalogue, as this host's meta replica
// has it, shows this host proven (see [meta.Host.Proven]), or ctx ends.
// A freshly started cluster places shards only once its hosts are.
func (h *Host) AwaitProven(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var hosts []meta.Host
		err := h.ctl.localCatalogue(ctx, meta.Request{Op: meta.OpListHosts}, &hosts)
		if err == nil {
			for _, hi := range hosts {
				if hi.ID == h.cfg.ID && hi.Proven(time.Now().UnixNano()) {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("host %s: wait to be proven: %w", h.cfg.Name, ctx.Err())
		case <-tick.C:
		}
	}
}
