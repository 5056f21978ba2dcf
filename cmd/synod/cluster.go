package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/synodhq/synod/internal/server"
)

func runHost(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("host", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg server.HostConfig
	fs.StringVar(&cfg.Name, "name", "", "this host's name, as in --initial-cluster")
	fs.StringVar(&cfg.DataDir, "data-dir", "", "directory for the host's data")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:7171", "address of the host's internal API")
	fs.StringVar(&cfg.Advertise, "advertise", "", "address other processes reach the internal API on (default: the --listen address)")
	fs.StringVar(&cfg.GatewayListen, "gateway-listen", "", "also serve the public API on this address")
	initial := fs.String("initial-cluster", "", "NAME=RAFTADDR,... the same list, in the same order, on every host")
	if err := parseServerArgs(fs, args); err != nil {
		return err
	}
	members, err := server.ParseInitialCluster(*initial)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	cfg.InitialCluster = members
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
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
	if err := parseServerArgs(fs, args); err != nil {
		return err
	}
	if *hosts != "" {
		cfg.Hosts = strings.Split(*hosts, ",")
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
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
	return settle(fs, *config)
}
