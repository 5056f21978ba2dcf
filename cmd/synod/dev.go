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
	limits := limitsFlags(fs)
	if err := parseServerArgs(fs, args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := dev.Start(ctx, dev.Config{DataDir: *dataDir, Listen: *listen, Hosts: *hosts, Limits: *limits, Logger: logger})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "synod dev: %d hosts, data in %s\nsynod dev: serving on %s\n", *hosts, *dataDir, c.URL())
	<-ctx.Done()
	fmt.Fprintln(stdout, "synod dev: shutting down")
	return c.Close()
}
