package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/synodhq/synod/internal/server"
)

func runHost(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("host", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg server.HostConfig
	fs.StringVar(&cfg.Name, "name", "", "this host's name, unique in the cluster (as in --initial-cluster)")
	fs.StringVar(&cfg.DataDir, "data-dir", "", "directory for the host's data")
	fs.StringVar(&cfg.RaftAddr, "raft-addr", "", "this host's Raft address HOST:PORT (default: its --initial-cluster entry; required with --join)")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:7171", "address of the host's internal API")
	fs.StringVar(&cfg.Advertise, "advertise", "", "address other processes reach the internal API on (default: the --listen address)")
	fs.StringVar(&cfg.GatewayListen, "gateway-listen", "", "also serve the public API on this address")
	publicTLSFlags(fs, &cfg.GatewayTLS)
	clusterTLSFlags(fs, &cfg.ClusterTLS)
	insecureFlag(fs, &cfg.Insecure)
	initial := fs.String("initial-cluster", "", "NAME=RAFTADDR,... to bootstrap a cluster: the same list, in the same order, on every first host")
	join := fs.String("join", "", "internal API URLs of hosts of a running cluster to join, comma-separated")
	fs.StringVar(&cfg.AdminTokenFile, "admin-token-file", "", "file holding the token of the cluster's first admin key (default: the first host of --initial-cluster makes DATA_DIR/admin.token)")
	audit := auditLogFlag(fs)
	limits := limitsFlags(fs)
	guestFlags(fs, &cfg.Watchdog, &cfg.GuestMemory, &cfg.MaxInstances)
	level := logLevelFlag(fs)
	if err := parseServerArgs(fs, args); err != nil {
		return err
	}
	cfg.Limits = *limits
	var err error
	if *initial != "" {
		if cfg.InitialCluster, err = server.ParseInitialCluster(*initial); err != nil {
			return fmt.Errorf("%w: %w", errUsage, err)
		}
	}
	if *join != "" {
		cfg.Join = strings.Split(*join, ",")
	}
	if cfg.Logger, err = newLogger(stderr, *level); err != nil {
		return err
	}
	if cfg.Audit, err = newAuditLogger(stderr, *audit); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := checkExposure(stderr, "host", cfg.Exposure); err != nil {
		return err
	}
	return server.RunHost(ctx, cfg, func(apiURL, gatewayURL string) {
		fmt.Fprintf(stdout, "synod host %s: internal API on %s\n", cfg.Name, apiURL)
		if gatewayURL != "" {
			fmt.Fprintf(stdout, "synod host %s: serving on %s\n", cfg.Name, gatewayURL)
		}
	})
}

func runGateway(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg server.GatewayConfig
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:7070", "address of the public API")
	hosts := fs.String("hosts", "", "internal API URLs of one or more hosts, comma-separated")
	publicTLSFlags(fs, &cfg.TLS)
	clusterTLSFlags(fs, &cfg.ClusterTLS)
	insecureFlag(fs, &cfg.Insecure)
	audit := auditLogFlag(fs)
	limits := limitsFlags(fs)
	level := logLevelFlag(fs)
	if err := parseServerArgs(fs, args); err != nil {
		return err
	}
	cfg.Limits = *limits
	if *hosts != "" {
		cfg.Hosts = strings.Split(*hosts, ",")
	}
	var err error
	if cfg.Logger, err = newLogger(stderr, *level); err != nil {
		return err
	}
	if cfg.Audit, err = newAuditLogger(stderr, *audit); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := checkExposure(stderr, "gateway", cfg.Exposure); err != nil {
		return err
	}
	return server.RunGateway(ctx, cfg, func(url string) {
		fmt.Fprintf(stdout, "synod gateway: serving on %s\n", url)
	})
}

// parseServerArgs parses a server command's flags (no positional
// arguments), then fills what they left unset from the environment and the
// --config file.
func parseServerArgs(fs *flag.FlagSet, args []string) error {
	config := fs.String("config", "", "JSON file of settings (flag names as keys); also SYNOD_CONFIG")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	return fillUnsetFlags(fs, *config)
}

func logLevelFlag(fs *flag.FlagSet) *string {
	return fs.String("log-level", "warn", "least severe log level to print: debug, info, warn or error")
}

// newLogger returns a text logger to w at the named level.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: use debug, info, warn or error", errUsage, level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func auditLogFlag(fs *flag.FlagSet) *string {
	return fs.String("audit-log", "", "file to append the audit log of control-plane changes to, as JSON lines (default: standard error)")
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
