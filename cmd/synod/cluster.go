package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/synodhq/synod/internal/gctarget"
	"github.com/synodhq/synod/internal/server"
)

// hostFlags are the settings of synod host that its flags set.
type hostFlags struct {
	cfg                                server.HostConfig
	limits                             *server.Limits
	initial, join, level, audit, pprof *string
}

// runHost adds synod host's flags to fs and returns what runs a host.
func runHost(fs *flag.FlagSet) runner {
	h := &hostFlags{}
	cfg := &h.cfg
	fs.StringVar(&cfg.Name, "name", "", "this host's `NAME`, unique in the cluster (as in --initial-cluster)")
	fs.StringVar(&cfg.DataDir, "data-dir", "", "`DIR` for the host's data")
	fs.StringVar(&cfg.RaftAddr, "raft-addr", "", "this host's Raft address `HOST:PORT` (default: its --initial-cluster entry; required with --join)")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:7171", "`ADDR` of the host's internal API")
	fs.StringVar(&cfg.Advertise, "advertise", "", "`ADDR` other processes reach the internal API on (default: the --listen address)")
	fs.StringVar(&cfg.GatewayListen, "gateway-listen", "", "also serve the public API on this `ADDR`")
	publicTLSFlags(fs, &cfg.GatewayTLS)
	corsFlag(fs, &cfg.GatewayCORSOrigins, "")
	clusterTLSFlags(fs, &cfg.ClusterTLS)
	insecureFlag(fs, &cfg.Insecure)
	h.initial = fs.String("initial-cluster", "", "`NAME=RAFTADDR,...` to bootstrap a cluster: the same list, in the same order, on every first host")
	h.join = fs.String("join", "", "internal API `URLS` of hosts of a running cluster to join, comma-separated")
	fs.StringVar(&cfg.AdminTokenFile, "admin-token-file", "", "`FILE` holding the token of the cluster's first admin key (default: the first host of --initial-cluster makes DATA_DIR/admin.token)")
	h.audit = auditLogFlag(fs)
	h.limits = limitsFlags(fs)
	guestFlags(fs, &cfg.Watchdog, &cfg.GuestMemory, &cfg.MaxInstances, &cfg.ShardFuelRate)
	fs.DurationVar(&cfg.HibernateAfter, "hibernate-after", 0, "how long a replica goes without a call or a Raft message before it is stopped until the next one (0: 5m; negative: never); at most 10s for a shard never written to")
	h.level = logLevelFlag(fs)
	h.pprof = pprofFlag(fs)
	return h.run
}

// run runs a host with the settings of the flags.
func (h *hostFlags) run(ctx context.Context, s streams, _ []string) error {
	cfg := h.cfg
	cfg.Limits = *h.limits
	var err error
	if *h.initial != "" {
		if cfg.InitialCluster, err = server.ParseInitialCluster(*h.initial); err != nil {
			return usagef("%w", err)
		}
	}
	if *h.join != "" {
		cfg.Join = strings.Split(*h.join, ",")
	}
	if cfg.Logger, err = newLogger(s.err, *h.level); err != nil {
		return err
	}
	if cfg.Audit, err = newAuditLogger(s.err, *h.audit); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := checkExposure(s.err, "host", cfg.Exposure); err != nil {
		return err
	}
	stopProfiles, err := serveProfiles(*h.pprof, s.err)
	if err != nil {
		return err
	}
	defer stopProfiles()
	return server.RunHost(ctx, cfg, func(apiURL, gatewayURL string) {
		fmt.Fprintf(s.out, "synod host %s: internal API on %s\n", cfg.Name, apiURL)
		if gatewayURL != "" {
			fmt.Fprintf(s.out, "synod host %s: serving on %s\n", cfg.Name, gatewayURL)
		}
	})
}

// runGateway adds synod gateway's flags to fs and returns what runs a
// gateway.
func runGateway(fs *flag.FlagSet) runner {
	var cfg server.GatewayConfig
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:7070", "`ADDR` of the public API")
	hosts := fs.String("hosts", "", "internal API `URLS` of one or more hosts, comma-separated")
	publicTLSFlags(fs, &cfg.TLS)
	corsFlag(fs, &cfg.CORSOrigins, "")
	clusterTLSFlags(fs, &cfg.ClusterTLS)
	insecureFlag(fs, &cfg.Insecure)
	audit := auditLogFlag(fs)
	limits := limitsFlags(fs)
	level := logLevelFlag(fs)
	profiles := pprofFlag(fs)
	return func(ctx context.Context, s streams, _ []string) error {
		gctarget.Raise()
		cfg.Limits = *limits
		if *hosts != "" {
			cfg.Hosts = strings.Split(*hosts, ",")
		}
		var err error
		if cfg.Logger, err = newLogger(s.err, *level); err != nil {
			return err
		}
		if cfg.Audit, err = newAuditLogger(s.err, *audit); err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		if err := checkExposure(s.err, "gateway", cfg.Exposure); err != nil {
			return err
		}
		stopProfiles, err := serveProfiles(*profiles, s.err)
		if err != nil {
			return err
		}
		defer stopProfiles()
		return server.RunGateway(ctx, cfg, func(url string) {
			fmt.Fprintf(s.out, "synod gateway: serving on %s\n", url)
		})
	}
}

func logLevelFlag(fs *flag.FlagSet) *string {
	return fs.String("log-level", "warn", "least severe log `LEVEL` to print: debug, info, warn or error")
}

// newLogger returns a text logger to w at the named level.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func auditLogFlag(fs *flag.FlagSet) *string {
	return fs.String("audit-log", "", "`FILE` to append the audit log of control-plane changes to, as JSON lines (default: standard error)")
}

// newAuditLogger returns the JSON logger of the audit log: to the file at
// path (made readable only by its owner), or to w if path is "". Audit
// records are written whatever --log-level says.
func newAuditLogger(w io.Writer, path string) (*slog.Logger, error) {
	if path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("--audit-log: %w", err)
		}
		w = f // open until the process exits
	}
	return slog.New(slog.NewJSONHandler(w, nil)), nil
}
