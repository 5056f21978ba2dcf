package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/synodhq/synod/internal/dev"
)

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", ".synod", "directory for all cluster data (kept across restarts)")
	listen := fs.String("listen", "127.0.0.1:7070", "gateway listen address")
	hosts := fs.Int("hosts", 3, fmt.Sprintf("number of hosts, 1 to %d", dev.MaxHosts))
	var cfg dev.Config
	publicTLSFlags(fs, &cfg.TLS)
	insecureFlag(fs, &cfg.Insecure)
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	cfg.DataDir, cfg.Listen, cfg.Hosts = *dataDir, *listen, *hosts
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := checkExposure(stderr, "dev", cfg.Exposure); err != nil {
		return err
	}
	c, err := dev.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "synod dev: %d hosts, data in %s\nsynod dev: serving on %s\n", *hosts, *dataDir, c.URL())
	<-ctx.Done()
	fmt.Fprintln(stdout, "synod dev: shutting down")
	return c.Close()
}
