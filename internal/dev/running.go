package dev

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/synodhq/synod/gateway"
	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/server"
)

var _ gateway.Host = (*hostapi.Client)(nil)

// running is a started host and what the gateway calls to reach it: the
// host itself, or a client of its internal API.
type running struct {
	h    *host.Host
	srv  *http.Server    // the internal API, when Config.Network
	link *hostapi.Link   // its link server
	api  *hostapi.Client // the gateway's client of it
	via  gateway.Host
}

// launch starts the i-th host and, with Config.Network, its internal API.
func (c *Cluster) launch(ctx context.Context, i int) (*running, error) {
	h, err := host.New(ctx, c.hostConfig(i))
	if err != nil {
		return nil, err
	}
	r := &running{h: h, via: h}
	if !c.cfg.Network {
		return r, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = h.Close()
		return nil, fmt.Errorf("listen for the internal API of %s: %w", h.Name(), err)
	}
	mux := http.NewServeMux()
	mux.Handle(hostapi.NewHandler(h, int(c.cfg.Limits.MaxRequestBytes)))
	r.link = hostapi.NewLink(h, int(c.cfg.Limits.MaxRequestBytes), c.cfg.Logger)
	mux.Handle(hostapi.LinkPath, r.link)
	r.srv = server.ServeLimited(ln, mux, c.cfg.Limits, c.cfg.Logger)
	r.api = hostapi.NewLinkedClient(h.ID(), "http://"+ln.Addr().String(), server.APIClient)
	r.via = r.api
	return r, nil
}

// stop stops the internal API (its connections drop, as a dead process's
// would) and then the host.
func (r *running) stop() error {
	var err error
	if r.srv != nil {
		err = r.srv.Close()
		r.link.Close()
		r.api.Close()
	}
	return errors.Join(err, r.h.Close())
}

// Client returns an HTTP client whose requests present the cluster's
// admin key, for tools and tests that call the gateway.
func (c *Cluster) Client() *http.Client {
	return &http.Client{Transport: access.Bearer(c.AdminToken(), &http.Transport{MaxIdleConnsPerHost: 256})}
}
