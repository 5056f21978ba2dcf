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
	"github.com/synodhq/synod/host/meta"
)

// Leave is what a host asked to stop does before it closes: it tells each
// live peer, through its internal API at scheme://APIAddr with hc, that
// it is leaving (host.Host.PeerLeaving), then hands the leadership of the
// shards it leads over (host.Host.HandOff), all within ctx. It returns
// how many shards it handed over, and which peers it could not tell:
// their shards' leaders may hand some leaderships straight back, which
// its stop then costs an election each.
func Leave(ctx context.Context, h *host.Host, scheme string, hc *http.Client) (handed int, err error) {
	err = tellPeers(ctx, h, scheme, hc)
	return h.HandOff(ctx), err
}

// tellPeers tells every other live host that h is leaving, at once,
// waiting at most tellTimeout for their answers.
func tellPeers(ctx context.Context, h *host.Host, scheme string, hc *http.Client) error {
	b, err := h.LocalCatalogue(ctx, meta.Request{Op: meta.OpListHosts})
	if err != nil {
		return fmt.Errorf("list hosts to tell them this one is leaving: %w", err)
	}
	var hosts []meta.Host
	if err := meta.Decode(b, &hosts); err != nil {
		return fmt.Errorf("list hosts to tell them this one is leaving: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, tellTimeout)
	defer cancel()
	now := time.Now().UnixNano()
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, p := range hosts {
		if p.ID == h.ID() || p.APIAddr == "" || !p.Alive(now) {
			continue
		}
		wg.Go(func() {
			err := NewClient(p.ID, scheme+"://"+p.APIAddr, hc).Leaving(ctx, h.ID())
			if connect.CodeOf(err) == connect.CodeUnimplemented {
				err = fmt.Errorf("%w (the host runs an older version of Synod)", err)
			}
			if err != nil {
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
