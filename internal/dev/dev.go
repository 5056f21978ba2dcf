// Package dev runs a complete Synod cluster in one process — N hosts on
// loopback and a gateway — with all data under one directory. It is what
// `synod dev` runs, and what end-to-end tests drive.
//
// Every host runs a replica of the meta shard (so dev clusters are limited
// to [MaxHosts] hosts). The hosts' Raft ports are chosen on first start,
// among free ports or from [Config.RaftPorts], and kept in
// DataDir/cluster.json, because a Raft member's address is part of its
// identity: a restart reuses them.
package dev

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/synodhq/synod/gateway"
	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/server"
)

// MaxHosts is the most hosts a dev cluster runs.
const MaxHosts = 7

// Config configures a dev cluster.
type Config struct {
	// DataDir holds every host's data and the cluster layout.
	DataDir string
	// Listen is the gateway's address; default 127.0.0.1:7070. Port 0
	// picks a free port.
	Listen string
	// TLS, if set, has the gateway serve HTTPS with this certificate,
	// reloaded when its files change.
	TLS server.CertFiles
	// CORSOrigins are the origins whose web pages may call the gateway
	// (see gateway.Config.CORSOrigins); default any origin
	// ([gateway.AnyOrigin]) when Listen is on loopback, so that a page
	// under development calls it from wherever it is served, and none
	// elsewhere.
	CORSOrigins []string
	// Insecure allows a cleartext gateway on an address that is not
	// loopback (see [server.CheckExposure]). The hosts are always on
	// loopback.
	Insecure bool
	// Hosts is the number of hosts, 1 to MaxHosts; default 3. A restart must use
	// the number the directory was created with.
	Hosts int
	// RaftPorts, if set, is where the hosts' Raft ports are chosen from on
	// the first start, on loopback; by default any free ports. A restart
	// keeps the ports chosen then, and fails if they lie outside RaftPorts.
	RaftPorts PortRange
	// CacheDir holds compiled modules, shared by the hosts; default
	// DataDir/wasm-cache.
	CacheDir string
	// Host is applied to every host's config (timing, snapshots); the dev
	// cluster fills in identity and addresses.
	Host host.Config
	// Network, if set, makes each host serve its internal API on a loopback
	// port and the gateway reach hosts only through it, as separate
	// processes would.
	Network bool
	// Limits bound the clients of each HTTP listener: the gateway's and,
	// with Network, each host's internal API.
	Limits server.Limits
	// Logger receives the cluster's logs; default slog.Default().
	Logger *slog.Logger
	// Audit receives the gateway's audit log; default Logger.
	Audit *slog.Logger

	// choosePorts chooses a new cluster's Raft ports; nil means
	// PortRange.free. Tests take the ports it chose away.
	choosePorts func(PortRange, int) ([]int, error)
}

// Validate reports the first field that is wrong.
func (c Config) Validate() error {
	switch {
	case c.DataDir == "":
		return errors.New("dev config: DataDir is required")
	case c.Hosts < 0 || c.Hosts > MaxHosts:
		return fmt.Errorf("dev config: Hosts must be between 1 and %d, not %d", MaxHosts, c.Hosts)
	}
	if err := c.RaftPorts.validate(c.withDefaults().Hosts); err != nil {
		return fmt.Errorf("dev config: RaftPorts: %w", err)
	}
	if err := c.Limits.Validate(); err != nil {
		return fmt.Errorf("dev config: %w", err)
	}
	return nil
}

// Exposure checks the gateway's listener with [server.CheckExposure].
func (c Config) Exposure() (warning string, err error) {
	return server.CheckExposure(c.Insecure, server.Listener{Flag: "--listen", Addr: c.withDefaults().Listen, Encrypted: c.TLS != server.CertFiles{}, Fix: "--tls-cert and --tls-key"})
}

// withDefaults fills in the defaults documented on each field.
func (c Config) withDefaults() Config {
	if c.Hosts == 0 {
		c.Hosts = 3
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:7070"
	}
	if c.CORSOrigins == nil && server.IsLoopback(c.Listen) {
		c.CORSOrigins = []string{gateway.AnyOrigin}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.CacheDir == "" {
		c.CacheDir = filepath.Join(c.DataDir, "wasm-cache")
	}
	return c
}

// Cluster is a running dev cluster.
type Cluster struct {
	cfg    Config
	layout layout
	tls    *tls.Config // the gateway's; nil for cleartext
	srv    *http.Server
	ln     net.Listener

	adminToken access.Token

	mu    sync.Mutex
	hosts []*running // nil while a host is stopped
}

// AdminToken returns the token of the cluster's first admin key, kept in
// DataDir/admin.token.
func (c *Cluster) AdminToken() string { return c.adminToken.String() }

type layout struct {
	Hosts []hostLayout `json:"hosts"`
}

type hostLayout struct {
	ID       uint64 `json:"id"`
	Name     string `json:"name"`
	RaftAddr string `json:"raft_addr"`
}

// Start starts the hosts, waits for the meta shard, registers the hosts
// and starts serving the gateway.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if _, err := cfg.Exposure(); err != nil {
		return nil, err
	}
	publicTLS, err := cfg.TLS.Load(cfg.Logger)
	if err != nil {
		return nil, err
	}
	cfg.Limits = cfg.Limits.WithDefaults()
	c, err := startHosts(ctx, cfg, publicTLS)
	if err != nil {
		return nil, err
	}
	if err := c.register(ctx); err != nil {
		c.closeHosts()
		return nil, err
	}
	if c.adminToken, _, err = server.BootstrapAdmin(ctx, c.hosts[0].h, filepath.Join(cfg.DataDir, server.AdminTokenFile)); err != nil {
		c.closeHosts()
		return nil, err
	}
	if err := c.serve(); err != nil {
		c.closeHosts()
		return nil, err
	}
	return c, nil
}

// startAttempts bounds how often a new cluster chooses its Raft ports.
const startAttempts = 3

// startHosts loads or chooses the cluster's layout and starts its hosts.
// A new cluster's Raft ports are free when chosen, and let go until its
// hosts listen on them: if another process (a client's connection, which
// takes a port of the same range) took one in between, the new cluster
// forgets its layout and chooses again.
func startHosts(ctx context.Context, cfg Config, publicTLS *tls.Config) (*Cluster, error) {
	choose := cfg.choosePorts
	if choose == nil {
		choose = PortRange.free
	}
	layoutPath := layoutFile(cfg.DataDir)
	_, statErr := os.Stat(layoutPath)
	fresh := errors.Is(statErr, os.ErrNotExist)
	for attempt := 1; ; attempt++ {
		lay, err := loadLayout(cfg.DataDir, cfg.Hosts, cfg.RaftPorts, choose)
		if err != nil {
			return nil, err
		}
		c := &Cluster{cfg: cfg, layout: lay, tls: publicTLS, hosts: make([]*running, len(lay.Hosts))}
		err = c.startAll(ctx)
		if err == nil {
			return c, nil
		}
		c.closeHosts()
		if !fresh || !errors.Is(err, syscall.EADDRINUSE) || attempt == startAttempts {
			return nil, err
		}
		cfg.Logger.Warn("a Raft port chosen for the new cluster was taken before its host listened on it; choosing again", "err", err)
		forget := []error{os.Remove(layoutPath)}
		for i := range lay.Hosts {
			forget = append(forget, os.RemoveAll(c.HostDataDir(i)))
		}
		if err := errors.Join(forget...); err != nil {
			return nil, fmt.Errorf("forget the new cluster's layout to choose its ports again: %w", err)
		}
	}
}

// layoutFile is the file in a cluster's data dir that keeps its layout.
func layoutFile(dir string) string { return filepath.Join(dir, "cluster.json") }

func loadLayout(dir string, n int, ports PortRange, choose func(PortRange, int) ([]int, error)) (layout, error) {
	path := layoutFile(dir)
	var lay layout
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &lay); err != nil {
			return layout{}, fmt.Errorf("read %s: %w", path, err)
		}
		if len(lay.Hosts) != n {
			return layout{}, fmt.Errorf("%s holds a cluster of %d hosts; start it with --hosts %d", dir, len(lay.Hosts), len(lay.Hosts))
		}
		return lay, lay.checkPorts(dir, ports)
	case !errors.Is(err, os.ErrNotExist):
		return layout{}, fmt.Errorf("read %s: %w", path, err)
	}
	free, err := choose(ports, n)
	if err != nil {
		return layout{}, err
	}
	for i, port := range free {
		lay.Hosts = append(lay.Hosts, hostLayout{
			ID:       uint64(i + 1),
			Name:     fmt.Sprintf("host-%d", i+1),
			RaftAddr: fmt.Sprintf("127.0.0.1:%d", port),
		})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return layout{}, fmt.Errorf("create %s: %w", dir, err)
	}
	b, err = json.MarshalIndent(lay, "", "  ")
	if err != nil {
		return layout{}, fmt.Errorf("encode layout: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return layout{}, fmt.Errorf("write %s: %w", path, err)
	}
	return lay, nil
}

// checkPorts checks that the Raft ports chosen on the first start lie in
// ports, if it is set: they cannot change.
func (lay layout) checkPorts(dir string, ports PortRange) error {
	if ports.IsZero() {
		return nil
	}
	for _, h := range lay.Hosts {
		_, p, err := net.SplitHostPort(h.RaftAddr)
		if err != nil {
			return fmt.Errorf("%s: host %s: Raft address %q: %w", dir, h.Name, h.RaftAddr, err)
		}
		if port, err := strconv.Atoi(p); err != nil || !ports.contains(port) {
			return fmt.Errorf("%s: host %s keeps Raft address %s, outside Raft ports %s (chosen on the first start, they cannot change): use another data dir", dir, h.Name, h.RaftAddr, ports)
		}
	}
	return nil
}

func (c *Cluster) hostConfig(i int) host.Config {
	hc := c.cfg.Host
	hl := c.layout.Hosts[i]
	hc.ID, hc.Name, hc.RaftAddr = hl.ID, hl.Name, hl.RaftAddr
	hc.DataDir = c.HostDataDir(i)
	hc.CacheDir = c.cfg.CacheDir
	hc.MetaMembers = make(map[uint64]string, len(c.layout.Hosts))
	for _, m := range c.layout.Hosts {
		hc.MetaMembers[m.ID] = m.RaftAddr
	}
	if hc.Logger == nil {
		hc.Logger = c.cfg.Logger
	}
	return hc
}

func (c *Cluster) startAll(ctx context.Context) error {
	errs := make([]error, len(c.hosts))
	var wg sync.WaitGroup
	for i := range c.hosts {
		wg.Go(func() {
			c.hosts[i], errs[i] = c.launch(ctx, i)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// register records every host in the catalogue, waiting until the meta
// shard has a leader, and then until every host has proven it runs
// replicas, so that shards can be created at once.
func (c *Cluster) register(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, r := range c.hosts {
		if err := r.h.Register(ctx); err != nil {
			return err
		}
	}
	for _, r := range c.hosts {
		if err := r.h.AwaitProven(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) serve() error {
	gw, err := gateway.New(gateway.Config{Hosts: directory{c}, MaxRequestBytes: int(c.cfg.Limits.MaxRequestBytes), CallsPerKey: c.cfg.Limits.CallsPerKey, CORSOrigins: c.cfg.CORSOrigins, Logger: c.cfg.Logger, Audit: c.cfg.Audit})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.cfg.Listen, err)
	}
	c.ln = ln
	c.srv = server.ServeTLS(ln, gw.Handler(), c.cfg.Limits, c.tls, c.cfg.Logger)
	return nil
}

// directory lists the cluster's running hosts to the gateway.
type directory struct{ c *Cluster }

func (d directory) Hosts() []gateway.Host {
	d.c.mu.Lock()
	defer d.c.mu.Unlock()
	out := make([]gateway.Host, 0, len(d.c.hosts))
	for _, r := range d.c.hosts {
		if r != nil {
			out = append(out, r.via)
		}
	}
	return out
}

// URL returns the gateway's base URL.
func (c *Cluster) URL() string {
	if c.tls != nil {
		return "https://" + c.ln.Addr().String()
	}
	return "http://" + c.ln.Addr().String()
}

// Host returns the i-th host (0-based), or nil while it is stopped.
func (c *Cluster) Host(i int) *host.Host {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hosts[i] == nil {
		return nil
	}
	return c.hosts[i].h
}

// HostDataDir returns the data directory of the i-th host.
func (c *Cluster) HostDataDir(i int) string {
	return filepath.Join(c.cfg.DataDir, c.layout.Hosts[i].Name)
}

// StopHost stops the i-th host, as a crash of its process would (its data
// stays); the gateway keeps routing around it.
func (c *Cluster) StopHost(i int) error {
	c.mu.Lock()
	r := c.hosts[i]
	c.hosts[i] = nil
	c.mu.Unlock()
	if r == nil {
		return nil
	}
	return r.stop()
}

// RestartHost starts the i-th host again from its data.
func (c *Cluster) RestartHost(ctx context.Context, i int) error {
	r, err := c.launch(ctx, i)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.hosts[i] = r
	c.mu.Unlock()
	return nil
}

// Close stops the gateway and every host.
func (c *Cluster) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
	defer cancel()
	err := c.srv.Shutdown(ctx)
	return errors.Join(err, c.closeHosts())
}

// closeGrace bounds how long Close waits for the gateway's connections to
// go idle. net/http's Shutdown counts a connection on which no request
// has begun as busy until it is 5 to 6 seconds old (its clock counts
// whole seconds; golang.org/issue/22682), so that its client may still
// use it: an HTTP client leaves such a connection when it dials for a
// request that another connection then carries. Waiting less made Close
// fail whenever one was younger than that.
const closeGrace = 10 * time.Second

// closeHosts stops every host at once, so that none spends its shutdown
// reaching for peers that are already gone.
func (c *Cluster) closeHosts() error {
	errs := make([]error, len(c.hosts))
	var wg sync.WaitGroup
	for i := range c.hosts {
		wg.Go(func() { errs[i] = c.StopHost(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
