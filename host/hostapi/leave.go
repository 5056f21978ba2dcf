package hostapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
)

// Left is what Leave did.
type Left struct {
	// Handed is how many of the shards the host led have a leader
	// elsewhere (see host.Host.HandOff).
	Handed int
	// Gone names the peers that had said they were leaving themselves
	// and that no longer take connections: not told, and no cause for a
	// warning. When a whole cluster is stopped host after host, the
	// catalogue counts those already gone alive for seconds.
	Gone []string
}

// Leave is what a host asked to stop does before it closes: it tells each
// live peer, through its internal API at scheme://APIAddr with hc, that
// it is leaving (host.Host.PeerLeaving), then hands the leadership of the
// shards it leads over (host.Host.HandOff), all within ctx. Its error
// names the peers it could not tell, but for those Left.Gone names:
// their shards' leaders may hand some leaderships straight back, which
// its stop then costs an election each. A peer that said it was leaving
// but answers, or fails otherwise than by refusing the connection, is
// named: it may have come back since (a rolling restart).
func Leave(ctx context.Context, h *host.Host, scheme string, hc *http.Client) (Left, error) {
	gone, err := tellPeers(ctx, h, scheme, hc)
	return Left{Handed: h.HandOff(ctx), Gone: gone}, err
}

// tellPeers tells every other live host that h is leaving, at once,
// waiting at most tellTimeout for their answers. It returns the peers
// gone (see Left.Gone), and the failures to tell the others.
func tellPeers(ctx context.Context, h *host.Host, scheme string, hc *http.Client) (gone []string, err error) {
	peers, err := h.LivePeers(ctx)
	if err != nil {
		return nil, fmt.Errorf("tell the other hosts this one is leaving: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, tellTimeout)
	defer cancel()
	errs := make([]error, len(peers))
	left := make([]bool, len(peers))
	var wg sync.WaitGroup
	for i, p := range peers {
		if p.APIAddr == "" {
			continue
		}
		wg.Go(func() {
			err := NewClient(p.ID, scheme+"://"+p.APIAddr, hc).Leaving(ctx, h.ID())
			switch {
			case err == nil:
			case h.SaidLeaving(p.ID) && errors.Is(err, syscall.ECONNREFUSED):
				left[i] = true
			case connect.CodeOf(err) == connect.CodeUnimplemented:
				errs[i] = fmt.Errorf("tell host %s that this one is leaving: %w (the host runs an older version of Synod)", p.Name, err)
			default:
				errs[i] = fmt.Errorf("tell host %s that this one is leaving: %w", p.Name, err)
			}
		})
	}
	wg.Wait()
	for i, p := range peers {
		if left[i] {
			gone = append(gone, p.Name)
		}
	}
	return gone, errors.Join(errs...)
}

// tellTimeout bounds how long Leave waits for its peers to hear it, half
// of what internal/server gives Leave in all.
const tellTimeout = time.Second
