// Package devtest starts dev clusters for the TestMain of test binaries
// that call Synod as clients do: real hosts and a real gateway on a free
// loopback port, in a temporary directory, with the test runs' shared
// module cache.
package devtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/testwasm"
)

// start starts a three-host dev cluster whose data lives in a new
// temporary directory named after prefix. stop closes the cluster and
// removes the directory.
func start(prefix string) (c *dev.Cluster, stop func() error, err error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, nil, err
	}
	cacheDir, err := testwasm.SharedCacheDir()
	if err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(dir))
	}
	c, err = dev.Start(context.Background(), dev.Config{
		DataDir: dir, CacheDir: cacheDir, Listen: "127.0.0.1:0", Hosts: 3,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(dir))
	}
	return c, func() error { return errors.Join(c.Close(), os.RemoveAll(dir)) }, nil
}

// Main runs a test binary's tests against a three-host dev cluster in a temporary directory named after prefix: it
// calls setup with the cluster, runs the tests, stops the cluster, and
// exits with the tests' status, or 1 if the cluster failed to start, to
// be set up or to stop.
func Main(m *testing.M, prefix string, setup func(*dev.Cluster) error) {
	c, stop, err := start(prefix)
	if err == nil {
		if err = setup(c); err != nil {
			err = errors.Join(err, stop())
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the dev cluster:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop the dev cluster:", err)
		code = 1
	}
	os.Exit(code)
}
