package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/host/meta"
)

// identity is who a host is in its cluster, established on its first start
// and kept in its data dir.
type identity struct {
	// ID is the host's id.
	ID uint64 `json:"id"`
	// Name is the host's name.
	Name string `json:"name"`
	// RaftAddr is the host's Raft address.
	RaftAddr string `json:"raft_addr"`
	// Joined is set when the host joined a running cluster rather than
	// bootstrapping one.
	Joined bool `json:"joined,omitempty"`
}

const identityFile = "identity.json"

// establishIdentity returns the identity kept in the data dir or, on a first
// start, makes one: from the host's place in the initial cluster, or by
// asking a host of the cluster to admit it.
func establishIdentity(ctx context.Context, cfg HostConfig, apiAddr string, hc *http.Client) (identity, error) {
	path := filepath.Join(cfg.DataDir, identityFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		var id identity
		if err := json.Unmarshal(b, &id); err != nil {
			return identity{}, fmt.Errorf("read %s: %w", path, err)
		}
		if id.Name != cfg.Name {
			return identity{}, fmt.Errorf("host: data dir %s belongs to host %s, not %s", cfg.DataDir, id.Name, cfg.Name)
		}
		return id, nil
	case !errors.Is(err, os.ErrNotExist):
		return identity{}, fmt.Errorf("read identity: %w", err)
	}
	n, m, _ := cfg.self()
	id := identity{ID: n, Name: cfg.Name, RaftAddr: m.RaftAddr}
	if len(cfg.Join) > 0 {
		if id, err = join(ctx, cfg, apiAddr, hc); err != nil {
			return identity{}, err
		}
	}
	if b, err = json.MarshalIndent(id, "", "  "); err != nil {
		return identity{}, fmt.Errorf("encode identity: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return identity{}, fmt.Errorf("create data dir: %w", err)
	}
	// Written whole or not at all: a torn identity would keep the host down.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return identity{}, fmt.Errorf("write identity: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return identity{}, fmt.Errorf("write identity: %w", err)
	}
	return id, nil
}

// join asks the hosts of cfg.Join, in turn, through hc, to admit this
// host, until one does or ctx ends. A replacement for a dead host of the same name waits
// here until the cluster sees the old host dead.
func join(ctx context.Context, cfg HostConfig, apiAddr string, hc *http.Client) (identity, error) {
	for attempt := 0; ; attempt++ {
		url := cfg.Join[attempt%len(cfg.Join)]
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		id, err := hostapi.NewClient(0, url, hc).Join(callCtx, cfg.Name, cfg.RaftAddr, apiAddr)
		cancel()
		switch {
		case err == nil:
			cfg.Logger.Info("joined the cluster", "host", cfg.Name, "id", id)
			return identity{ID: id, Name: cfg.Name, RaftAddr: cfg.RaftAddr, Joined: true}, nil
		case errors.Is(err, meta.ErrInvalidArgument):
			return identity{}, fmt.Errorf("join via %s: %w", url, err)
		}
		cfg.Logger.Warn("join: retrying", "via", url, "err", err)
		select {
		case <-ctx.Done():
			return identity{}, fmt.Errorf("join the cluster: %w (last error: %w)", ctx.Err(), err)
		case <-time.After(time.Second):
		}
	}
}
