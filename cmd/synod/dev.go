package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/server"
)

// devFlags are the settings of synod dev that its flags set.
type devFlags struct {
	cfg                 dev.Config
	limits              *server.Limits
	level, audit, pprof *string
}

// runDev adds synod dev's flags to fs and returns what runs a dev cluster.
func runDev(fs *flag.FlagSet) runner {
	d := &devFlags{}
	cfg := &d.cfg
	fs.StringVar(&cfg.DataDir, "data-dir", ".synod", "`DIR` for all cluster data (kept across restarts)")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:7070", "`ADDR` of the gateway; port 0 picks a free one")
	fs.IntVar(&cfg.Hosts, "hosts", 3, fmt.Sprintf("number of hosts, 1 to %d; a restart must give the number the data dir was made with", dev.MaxHosts))
	fs.Var(&cfg.RaftPorts, "raft-ports", "`FROM-TO` range of loopback ports to choose the hosts' Raft ports from, on the first start (default: any free ports)")
	guestFlags(fs, &cfg.Host.Watchdog, &cfg.Host.GuestMemory, &cfg.Host.MaxInstances, &cfg.Host.ShardFuelRate)
	publicTLSFlags(fs, &cfg.TLS)
	corsFlag(fs, &cfg.CORSOrigins, " (default: any origin when --listen is loopback, else none)")
	insecureFlag(fs, &cfg.Insecure)
	d.audit = auditLogFlag(fs)
	d.limits = limitsFlags(fs)
	d.level = logLevelFlag(fs)
	d.pprof = pprofFlag(fs)
	return d.run
}

// run runs a dev cluster with the settings of the flags until ctx ends.
func (d *devFlags) run(ctx context.Context, s streams, _ []string) error {
	cfg := d.cfg
	cfg.Limits = *d.limits
	var err error
	if cfg.Logger, err = newLogger(s.err, *d.level); err != nil {
		return err
	}
	if cfg.Audit, err = newAuditLogger(s.err, *d.audit); err != nil {
		return err
	}
	if err := checkExposure(s.err, "dev", cfg.Exposure); err != nil {
		return err
	}
	stopProfiles, err := serveProfiles(*d.pprof, s.err)
	if err != nil {
		return err
	}
	defer stopProfiles()
	c, err := dev.Start(ctx, cfg)
	if err != nil {
		return err
	}
	creds, err := saveToken(c.URL(), c.AdminToken())
	if err != nil {
		_ = c.Close()
		return err
	}
	fmt.Fprintf(s.out, "synod dev: %d hosts, data in %s\n", cfg.Hosts, cfg.DataDir)
	fmt.Fprintf(s.out, "synod dev: admin key saved for the CLI in %s (its token is in %s)\n", creds, filepath.Join(cfg.DataDir, server.AdminTokenFile))
	fmt.Fprintf(s.out, "synod dev: serving on %s\n", c.URL())
	<-ctx.Done()
	fmt.Fprintln(s.out, "synod dev: shutting down")
	return c.Close()
}
