package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
)

// allDown returns a [final] unavailable error naming the hosts of a
// shard's replicas when the catalogue sees every one of them down: silent
// for [meta.LivenessTimeout], or removed. No replica can answer then, and
// none will within a call's deadline, so a call fails at once instead of
// retrying until its deadline. It returns nil when some replica's host is
// alive (the failure may pass: a leader change, a restart), or when the
// catalogue cannot say within statusWait. The error says the command was
// applied as applied says: what the failed attempt knew.
func (r *router) allDown(ctx context.Context, s host.ShardInfo, applied outcome.Applied) error {
	ctx, cancel := context.WithTimeout(ctx, statusWait)
	defer cancel()
	var hosts []host.HostInfo
	err := r.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		hosts, err = catalogueOf(h).ListHosts(ctx)
		return err
	})
	if err != nil {
		return nil
	}
	byID := make(map[uint64]host.HostInfo, len(hosts))
	for _, hi := range hosts {
		byID[hi.ID] = hi
	}
	now := time.Now().UnixNano()
	var down []string
	for _, rep := range s.Replicas {
		hi, ok := byID[rep.HostID]
		switch {
		case !ok:
			down = append(down, fmt.Sprintf("host %d (not in the catalogue)", rep.HostID))
		case hi.Alive(now):
			return nil
		case hi.State == meta.HostRemoved:
			down = append(down, hi.Name+" (removed)")
		default:
			silent := time.Duration(now - hi.HeartbeatNanos).Round(time.Second)
			down = append(down, fmt.Sprintf("%s (no heartbeat for %s)", hi.Name, silent))
		}
	}
	whose := "every replica's host is down"
	if len(s.Replicas) == 1 {
		whose = "the host of its only replica is down"
	}
	return final{outcome.Errorf(outcome.Unavailable, applied, "shard %q cannot answer: %s: %s", s.Name, whose, strings.Join(down, ", "))}
}
