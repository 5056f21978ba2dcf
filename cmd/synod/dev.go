package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/server"
)

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", ".synod", "directory for all cluster data (kept across restarts)")
	listen := fs.String("listen", "127.0.0.1:7070", "gateway listen address")
	hosts := fs.Int("hosts", 3, fmt.Sprintf("number of hosts, 1 to %d", dev.MaxHosts))
	var cfg dev.Config
	guestFlags(fs, &cfg.Host.Watchdog, &cfg.Host.GuestMemory, &cfg.Host.MaxInstances)
	publicTLSFlags(fs, &cfg.TLS)
	insecureFlag(fs, &cfg.Insecure)
	audit := auditLogFlag(fs)
	limits := limitsFlags(fs)
	if err := parseServerArgs(fs, args); err != nil {
		return err
	}
	var err error
	if cfg.Audit, err = newAuditLogger(stderr, *audit); err != nil {
		return err
	}
	cfg.DataDir, cfg.Listen, cfg.Hosts, cfg.Limits = *dataDir, *listen, *hosts, *limits
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := checkExposure(stderr, "dev", cfg.Exposure); err != nil {
		return err
	}
	c, err := dev.Start(ctx, cfg)
	if err != nil {
		return err
	}
	creds, err := saveToken(c.URL(), c.AdminToken())
	if err != nil {
		_ = c.Close()
		return err
	}
	fmt.Fprintf(stdout, "synod dev: %d hosts, data in %s\n", *hosts, *dataDir)
	fmt.Fprintf(stdout, "synod dev: admin key saved for the CLI in %s (its token is in %s)\n", creds, filepath.Join(*dataDir, server.AdminTokenFile))
	fmt.Fprintf(stdout, "synod dev: serving on %s\n", c.URL())
	<-ctx.Done()
	fmt.Fprintln(stdout, "synod dev: shutting down")
	return c.Close()
}
