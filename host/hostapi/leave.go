package hostapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
)

// Leave is what a host asked to stop does before it closes: it tells each
// live peer, through its internal API at scheme://APIAddr with hc, that
// it is leaving (host.Host.PeerLeaving), then hands the leadership of the
// shards it leads over (host.Host.HandOff), all within ctx. It returns
// how many shards it handed over, and which peers it could not tell:
// their shards' leaders may hand some leaderships straight back, which
// its stop then costs an election each. A peer that said it was leaving
// itself and does not hear is not named: when a whole cluster is stopped
// host after host, the last ones cannot tell those already gone, which
// the catalogue counts alive for seconds.
func Leave(ctx context.Context, h *host.Host, scheme string, hc *http.Client) (handed int, err error) {
	err = tellPeers(ctx, h, scheme, hc)
	return h.HandOff(ctx), err
}

// tellPeers tells every other live host that h is leaving, at once,
// waiting at most tellTimeout for their answers.
func tellPeers(ctx context.Context, h *host.Host, scheme string, hc *http.Client) error {
	peers, err := h.LivePeers(ctx)
	if err != nil {
		return fmt.Errorf("tell the other hosts this one is leaving: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, tellTimeout)
	defer cancel()
	errs := make([]error, len(peers))
	var wg sync.WaitGroup
	for i, p := range peers {
		if p.APIAddr == "" {
			continue
		}
		wg.Go(func() {
			err := NewClient(p.ID, scheme+"://"+p.APIAddr, hc).Leaving(ctx, h.ID())
			if connect.CodeOf(err) == connect.CodeUnimplemented {
				err = fmt.Errorf("%w (the host runs an older version of Synod)", err)
			}
			if err != nil && !h.SaidLeaving(p.ID) {
				errs[i] = fmt.Errorf("tell host %s that this one is leaving: %w", p.Name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// tellTimeout bounds how long Leave waits for its peers to hear it, half
// of what internal/server gives Leave in all.
const tellTimeout = time.Second
