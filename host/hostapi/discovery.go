package hostapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/synodhq/synod/host/meta"
)

// Discovery finds the hosts of a cluster from the catalogue: given the
// internal API URL of any host, it learns every host that registered an
// API address, and refreshes that list periodically. It keeps no state
// that a restart would miss. Its clients are what a gateway's directory
// of hosts in other processes lists: each makes its Propose, Query and
// QueryBatch calls over a link (see [NewLinkedClient]), kept while its
// host stays listed at the same address.
type Discovery struct {
	seeds  []string
	scheme string
	hc     *http.Client

	mu     sync.Mutex
	hosts  []*Client
	closed bool
}

// NewDiscovery returns a discovery seeded with hosts' internal API URLs
// (e.g. "http://10.0.0.1:7171"), which reaches the hosts it finds with
// scheme ("http" or "https") and hc. Call [Discovery.Refresh] or
// [Discovery.Run] to fill it.
func NewDiscovery(seeds []string, scheme string, hc *http.Client) *Discovery {
	return &Discovery{seeds: seeds, scheme: scheme, hc: hc}
}

// Hosts returns a client of every host found by the last successful
// refresh. The slice is shared: do not modify it. A refresh replaces it
// with a new one and never changes it, so callers may keep what they
// derive from it until Hosts returns another slice.
func (d *Discovery) Hosts() []*Client {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hosts
}

// Refresh reads the host list from the catalogue replica of the first seed
// or known host that answers.
func (d *Discovery) Refresh(ctx context.Context) error {
	var errs []error
	for _, url := range d.candidates() {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		infos, err := NewClient(0, url, d.hc).LocalHosts(ctx)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", url, err))
			continue
		}
		d.replace(infos)
		return nil
	}
	return fmt.Errorf("discover hosts: %w", errors.Join(errs...))
}

// replace makes the listed hosts the known ones, keeping the clients of
// those known already at the same address and closing the others'.
func (d *Discovery) replace(infos []meta.Host) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	known := make(map[uint64]*Client, len(d.hosts))
	for _, c := range d.hosts {
		known[c.ID()] = c
	}
	hosts := make([]*Client, 0, len(infos))
	for _, info := range infos {
		if info.APIAddr == "" || info.State == meta.HostRemoved {
			continue
		}
		url := d.scheme + "://" + info.APIAddr
		c, ok := known[info.ID]
		if ok && c.URL() == url {
			delete(known, info.ID)
		} else {
			c = NewLinkedClient(info.ID, url, d.hc)
		}
		hosts = append(hosts, c)
	}
	d.hosts = hosts
	d.mu.Unlock()
	for _, c := range known {
		c.Close()
	}
}

// Close closes the links of the hosts' clients; calls through them go
// over Connect from then on, and refreshes change nothing.
func (d *Discovery) Close() {
	d.mu.Lock()
	d.closed = true
	hosts := d.hosts
	d.mu.Unlock()
	for _, c := range hosts {
		c.Close()
	}
}

// candidates are the URLs to ask: the seeds, then every known host.
func (d *Discovery) candidates() []string {
	urls := append([]string(nil), d.seeds...)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.hosts {
		urls = append(urls, c.URL())
	}
	return urls
}

// Run refreshes the list every interval until ctx ends.
func (d *Discovery) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = d.Refresh(ctx)
		}
	}
}
