package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/synodhq/synod/gateway"
	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/hostapi"
)

// Member is one entry of a cluster's initial member list.
type Member struct {
	// Name is the host's name.
	Name string
	// RaftAddr is the host's Raft address.
	RaftAddr string
}

// ParseInitialCluster parses "NAME=RAFTADDR,NAME=RAFTADDR,...". The order
// matters: the n-th member gets host id n, so every host must be given the
// same list, as with etcd's --initial-cluster.
func ParseInitialCluster(s string) ([]Member, error) {
	var out []Member
	seen := make(map[string]bool)
	for _, part := range strings.Split(s, ",") {
		name, addr, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" || addr == "" {
			return nil, fmt.Errorf("initial cluster: %q is not NAME=RAFTADDR", part)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("initial cluster: member %s: raft address %q: %w", name, addr, err)
		}
		if seen[name] {
			return nil, fmt.Errorf("initial cluster: member %s appears twice", name)
		}
		seen[name] = true
		out = append(out, Member{Name: name, RaftAddr: addr})
	}
	return out, nil
}

// HostConfig configures a host process.
type HostConfig struct {
	// Name is the host's name.
	Name string
	// DataDir holds the host's data.
	DataDir string
	// RaftAddr is the host's Raft address; default its entry in
	// InitialCluster. Required with Join.
	RaftAddr string
	// Listen is the address of the host's internal API.
	Listen string
	// Advertise is the address other processes reach the internal API on;
	// default the address Listen bound, which must then name a host (not
	// 0.0.0.0 or [::]).
	Advertise string
	// InitialCluster are the cluster's first members, in the same order on
	// every host. Set it (with this host among them) to bootstrap a new
	// cluster, or Join to join a running one.
	InitialCluster []Member
	// Join are internal API URLs of hosts of a running cluster, which the
	// host asks to admit it.
	Join []string
	// GatewayListen, if set, also serves the public API from this process.
	GatewayListen string
	// AdminTokenFile holds the token of the cluster's first admin key,
	// which the host records in the catalogue if the cluster has had no
	// first key yet. Default: on the first host of an initial cluster,
	// DataDir/admin.token, made on its first start; elsewhere, none.
	AdminTokenFile string
	// GatewayTLS, if set, has the public API serve HTTPS with this
	// certificate, reloaded when its files change.
	GatewayTLS CertFiles
	// GatewayCORSOrigins are the origins whose web pages may call the
	// public API (see gateway.Config.CORSOrigins); default none.
	GatewayCORSOrigins []string
	// ClusterTLS, if set, secures the host's traffic with other processes
	// of the cluster: the internal API serves TLS and refuses every client
	// without a certificate signed by the cluster CA; the host's own calls
	// (joining) present its certificate and verify the other host's; and
	// Raft runs mutual TLS. Internal API URLs are then https://.
	ClusterTLS host.TLSFiles
	// Insecure allows cleartext listeners on addresses that are not
	// loopback (see [CheckExposure]).
	Insecure bool
	// Limits bound the clients of each of the process's HTTP listeners.
	Limits Limits
	// Watchdog, GuestMemory, MaxInstances and ShardFuelRate bound what
	// guests may spend (see host.Config).
	Watchdog      time.Duration
	GuestMemory   uint64
	MaxInstances  int
	ShardFuelRate uint64
	// HibernateAfter is how long an idle replica runs before it
	// hibernates (see host.Config).
	HibernateAfter time.Duration
	// Logger receives the process's logs.
	Logger *slog.Logger
	// Audit receives the embedded gateway's audit log; default Logger.
	Audit *slog.Logger
}

// Validate reports the first field that is wrong.
func (c HostConfig) Validate() error {
	switch {
	case c.Name == "":
		return errors.New("host: --name (or SYNOD_NAME) is required")
	case c.DataDir == "":
		return errors.New("host: --data-dir (or SYNOD_DATA_DIR) is required")
	case c.Listen == "":
		return errors.New("host: --listen (or SYNOD_LISTEN) is required")
	case len(c.InitialCluster) == 0 && len(c.Join) == 0:
		return errors.New("host: --initial-cluster (to bootstrap a cluster) or --join (to join one) is required")
	case len(c.InitialCluster) > 0 && len(c.Join) > 0:
		return errors.New("host: give --initial-cluster or --join, not both")
	case len(c.Join) > 0 && c.RaftAddr == "":
		return errors.New("host: --raft-addr (or SYNOD_RAFT_ADDR) is required with --join")
	}
	if err := c.Limits.Validate(); err != nil {
		return fmt.Errorf("host: %w", err)
	}
	if err := c.GatewayTLS.validate("host"); err != nil {
		return err
	}
	if c.GatewayTLS.set() && c.GatewayListen == "" {
		return errors.New("host: --tls-cert and --tls-key serve the public API: they need --gateway-listen")
	}
	if err := validateCluster("host", c.ClusterTLS, "--join", c.Join); err != nil {
		return err
	}
	if c.RaftAddr != "" {
		if _, _, err := net.SplitHostPort(c.RaftAddr); err != nil {
			return fmt.Errorf("host: --raft-addr %q: %w", c.RaftAddr, err)
		}
	}
	if len(c.InitialCluster) == 0 {
		return nil
	}
	_, m, ok := c.self()
	switch {
	case !ok:
		return fmt.Errorf("host: --name %s is not a member of --initial-cluster", c.Name)
	case c.RaftAddr != "" && c.RaftAddr != m.RaftAddr:
		return fmt.Errorf("host: --raft-addr %s differs from %s's entry in --initial-cluster (%s)", c.RaftAddr, c.Name, m.RaftAddr)
	}
	return nil
}

// Exposure checks the host's listeners with [CheckExposure].
func (c HostConfig) Exposure() (warning string, err error) {
	raftAddr := c.RaftAddr
	if _, m, ok := c.self(); ok && raftAddr == "" {
		raftAddr = m.RaftAddr
	}
	const clusterFix = "--cluster-ca, --cluster-cert and --cluster-key"
	return CheckExposure(c.Insecure,
		Listener{Flag: "--listen", Addr: c.Listen, Encrypted: clusterSet(c.ClusterTLS), Fix: clusterFix},
		Listener{Flag: "--raft-addr", Addr: raftAddr, Encrypted: clusterSet(c.ClusterTLS), Fix: clusterFix},
		Listener{Flag: "--gateway-listen", Addr: c.GatewayListen, Encrypted: c.GatewayTLS.set(), Fix: "--tls-cert and --tls-key"},
	)
}

// self returns this host's id (its position in the member list, from 1)
// and its member entry.
func (c HostConfig) self() (uint64, Member, bool) {
	for i, m := range c.InitialCluster {
		if m.Name == c.Name {
			return uint64(i + 1), m, true
		}
	}
	return 0, Member{}, false
}

// RunHost runs a host until ctx ends, or until the host learns that it was
// removed from the cluster: the host itself, its internal API, its entry
// in the catalogue and, if asked, a gateway.
//
// A host's first start establishes its identity (its id, and whether it
// bootstrapped or joined), which it keeps in its data dir: later starts
// with the same data dir are the same host, whatever the flags. A host
// with an empty data dir and --join is a new host, or the replacement of a
// dead one of the same name.
//
// ready is called once the host serves, with its internal API's URL and the
// gateway's ("" without one).
func RunHost(ctx context.Context, cfg HostConfig, ready func(apiURL, gatewayURL string)) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	creds, publicTLS, err := loadTLS(cfg.Exposure, cfg.ClusterTLS, cfg.GatewayTLS, cfg.Logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	defer ln.Close()
	advertise, err := advertised(cfg.Advertise, ln.Addr().String())
	if err != nil {
		return err
	}
	id, err := establishIdentity(ctx, cfg, advertise, creds.client())
	if err != nil {
		return err
	}
	members := make(map[uint64]string, len(cfg.InitialCluster))
	for i, m := range cfg.InitialCluster {
		members[uint64(i+1)] = m.RaftAddr
	}
	h, err := host.New(ctx, host.Config{
		ID: id.ID, Name: cfg.Name, DataDir: cfg.DataDir, RaftAddr: id.RaftAddr, APIAddr: advertise,
		MetaMembers: members, Join: id.Joined, RaftTLS: cfg.ClusterTLS, Watchdog: cfg.Watchdog, GuestMemory: cfg.GuestMemory, MaxInstances: cfg.MaxInstances,
		ShardFuelRate: cfg.ShardFuelRate, HibernateAfter: cfg.HibernateAfter, Logger: cfg.Logger,
	})
	if err != nil {
		return err
	}
	defer h.Close()
	limits := cfg.Limits.WithDefaults()
	mux := http.NewServeMux()
	mux.Handle(hostapi.NewHandler(h, int(limits.MaxRequestBytes)))
	link := hostapi.NewLink(h, int(limits.MaxRequestBytes), cfg.Logger)
	mux.Handle(hostapi.LinkPath, link)
	api := ServeTLS(ln, mux, limits, creds.serverConfig(), cfg.Logger)
	defer api.Close()
	defer link.Close() // before the API: hijacked connections are the link's
	go func() {
		if err := h.Register(ctx); err != nil {
			cfg.Logger.Error("register host", "err", err)
			return
		}
		bootstrapAdmin(ctx, cfg, id, h)
	}()
	apiURL := creds.scheme() + "://" + advertise
	gatewayURL := ""
	if cfg.GatewayListen != "" {
		url, stop, err := startGateway(ctx, gatewaySetup{cfg.GatewayListen, publicTLS, cfg.GatewayCORSOrigins, []string{apiURL}, creds, limits, cfg.Logger, cfg.Audit})
		if err != nil {
			return err
		}
		defer stop()
		gatewayURL = url
	}
	ready(apiURL, gatewayURL)
	select {
	case <-ctx.Done():
		// Asked to stop: the shards this host leads get a leader
		// elsewhere first, while its API still serves, so that none waits
		// out an election timeout once it is gone.
		leaveCtx, cancel := context.WithTimeout(context.Background(), leaveGrace)
		defer cancel()
		start := time.Now()
		left, err := hostapi.Leave(leaveCtx, h, creds.scheme(), creds.client())
		if err != nil {
			cfg.Logger.Warn("leaving: could not tell every peer; those that did not hear may hand leaderships back to this host before it stops", "err", err)
		}
		if len(left.Gone) > 0 {
			cfg.Logger.Debug("leaving: peers that said they were leaving are gone, not told", "peers", left.Gone)
		}
		cfg.Logger.Info("handed leaderships over before stopping", "shards", left.Handed, "took", time.Since(start))
	case <-h.Removed():
		// A removed host has nothing left to do: it ends, as a removed
		// etcd member does, with status 0, so that a supervisor that
		// restarts on failure leaves it down (docs/operations.md). The
		// call that removed it may be one it serves (it led the meta
		// shard): that call answers first.
		stopCtx, cancel := context.WithTimeout(context.Background(), removedGrace)
		defer cancel()
		_ = api.Shutdown(stopCtx)
		_ = link.Shutdown(stopCtx)
	}
	return nil
}

// leaveGrace bounds how long a host asked to stop takes to tell its peers
// and hand its leaderships over (see hostapi.Leave): some election
// timeouts.
const leaveGrace = 2 * time.Second

// removedGrace bounds how long a removed host waits for the internal API
// calls in flight, the one that removed it among them, before it ends.
const removedGrace = 5 * time.Second

// advertised returns the internal API address to record in the catalogue:
// the one asked for, else the bound one, which must name a host.
func advertised(asked, bound string) (string, error) {
	addr := asked
	if addr == "" {
		addr = bound
	}
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("host: --advertise %q: %w", addr, err)
	}
	if ip := net.ParseIP(h); h == "" || ip != nil && ip.IsUnspecified() {
		return "", fmt.Errorf("host: the internal API listens on %s, which other processes cannot dial: set --advertise HOST:PORT", addr)
	}
	return addr, nil
}

// GatewayConfig configures a gateway process.
type GatewayConfig struct {
	// Listen is the public API's address.
	Listen string
	// Hosts are internal API URLs of one or more hosts; the gateway finds
	// the rest from the catalogue.
	Hosts []string
	// TLS, if set, has the public API serve HTTPS with this certificate,
	// reloaded when its files change.
	TLS CertFiles
	// CORSOrigins are the origins whose web pages may call the public API
	// (see gateway.Config.CORSOrigins); default none.
	CORSOrigins []string
	// ClusterTLS, if set, is the gateway's cluster credentials: its calls
	// to hosts present its certificate and verify the host's against the
	// cluster CA, and Hosts are https:// URLs.
	ClusterTLS host.TLSFiles
	// Insecure allows a cleartext public API on an address that is not
	// loopback (see [CheckExposure]).
	Insecure bool
	// Limits bound the clients of the public API's listener.
	Limits Limits
	// Logger receives the process's logs.
	Logger *slog.Logger
	// Audit receives the gateway's audit log; default Logger.
	Audit *slog.Logger
}

// Validate reports the first field that is wrong.
func (c GatewayConfig) Validate() error {
	if c.Listen == "" || len(c.Hosts) == 0 {
		return errors.New("gateway: --listen and --hosts (or SYNOD_LISTEN and SYNOD_HOSTS) are required")
	}
	if err := c.Limits.Validate(); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if err := c.TLS.validate("gateway"); err != nil {
		return err
	}
	return validateCluster("gateway", c.ClusterTLS, "--hosts", c.Hosts)
}

// Exposure checks the gateway's listener with [CheckExposure].
func (c GatewayConfig) Exposure() (warning string, err error) {
	return CheckExposure(c.Insecure, Listener{Flag: "--listen", Addr: c.Listen, Encrypted: c.TLS.set(), Fix: "--tls-cert and --tls-key"})
}

// RunGateway runs a gateway until ctx ends.
func RunGateway(ctx context.Context, cfg GatewayConfig, ready func(url string)) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	creds, publicTLS, err := loadTLS(cfg.Exposure, cfg.ClusterTLS, cfg.TLS, cfg.Logger)
	if err != nil {
		return err
	}
	url, stop, err := startGateway(ctx, gatewaySetup{cfg.Listen, publicTLS, cfg.CORSOrigins, cfg.Hosts, creds, cfg.Limits.WithDefaults(), cfg.Logger, cfg.Audit})
	if err != nil {
		return err
	}
	defer stop()
	ready(url)
	<-ctx.Done()
	return nil
}

// discoveryInterval is how often a gateway re-reads the host list.
const discoveryInterval = 2 * time.Second

// apiIdleConns is how many idle connections a process keeps to each host's
// internal API.
const apiIdleConns = 256

// APIClient is shared by a process's cleartext clients of hosts' internal
// APIs.
var APIClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: apiIdleConns}}

// gatewaySetup is what a gateway serves with.
type gatewaySetup struct {
	listen string
	tls    *tls.Config // of the public API; nil for cleartext
	cors   []string    // origins allowed to call the public API
	seeds  []string    // internal API URLs to discover hosts from
	creds  cluster
	limits Limits // of the public API's listener, defaults filled in
	log    *slog.Logger
	audit  *slog.Logger
}

// startGateway serves the public API over the hosts found from the seeds.
func startGateway(ctx context.Context, s gatewaySetup) (url string, stop func(), err error) {
	disc := hostapi.NewDiscovery(s.seeds, s.creds.scheme(), s.creds.client())
	if err := disc.Refresh(ctx); err != nil {
		s.log.Warn("gateway: no host answered yet; retrying in the background", "err", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	go disc.Run(ctx, discoveryInterval)
	gw, err := gateway.New(gateway.Config{Hosts: &discovered{d: disc}, MaxRequestBytes: int(s.limits.MaxRequestBytes), CallsPerKey: s.limits.CallsPerKey, CORSOrigins: s.cors, Logger: s.log, Audit: s.audit})
	if err != nil {
		cancel()
		return "", nil, err
	}
	ln, err := net.Listen("tcp", s.listen)
	if err != nil {
		cancel()
		return "", nil, fmt.Errorf("listen on %s: %w", s.listen, err)
	}
	srv := ServeTLS(ln, gw.Handler(), s.limits, s.tls, s.log)
	scheme := "http"
	if s.tls != nil {
		scheme = "https"
	}
	return scheme + "://" + ln.Addr().String(), func() { cancel(); _ = srv.Close(); disc.Close() }, nil
}

// discovered is the gateway's directory of the hosts a discovery found.
// The gateway asks it on every routing decision, so it converts the
// discovery's list only when a refresh has replaced it.
type discovered struct {
	d *hostapi.Discovery

	mu    sync.Mutex
	from  []*hostapi.Client // the list hosts was made from
	hosts []gateway.Host
}

// Hosts implements [gateway.Directory].
func (d *discovered) Hosts() []gateway.Host {
	clients := d.d.Hosts()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(clients) != len(d.from) || len(clients) > 0 && &clients[0] != &d.from[0] {
		d.from = clients
		d.hosts = make([]gateway.Host, len(clients))
		for i, c := range clients {
			d.hosts[i] = c
		}
	}
	return d.hosts
}

// bootstrapAdmin records the cluster's first admin key from the host's
// admin token file, if it has one (see [HostConfig.AdminTokenFile]).
func bootstrapAdmin(ctx context.Context, cfg HostConfig, id identity, h *host.Host) {
	path := cfg.AdminTokenFile
	if path == "" {
		if id.Joined || id.ID != 1 {
			return
		}
		path = filepath.Join(cfg.DataDir, AdminTokenFile)
	} else if _, err := ReadToken(path); err != nil {
		cfg.Logger.Error("the cluster's first admin key", "err", err)
		return
	}
	_, made, err := BootstrapAdmin(ctx, h, path)
	switch {
	case err != nil:
		cfg.Logger.Error("the cluster's first admin key", "err", err)
	case made:
		cfg.Logger.Warn("made the cluster's first admin key: its token is in the file named here, readable only by this user; keep it secret", "file", path)
	}
}
