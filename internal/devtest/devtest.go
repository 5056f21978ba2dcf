// Package devtest starts dev clusters for the TestMain of test binaries
// that call Synod as clients do: real hosts and a real gateway on a free
// loopback port, in a temporary directory, with the test runs' shared
// module cache.
package devtest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"

	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/testwasm"
)

// Start starts a three-host dev cluster whose data lives in a new
// temporary directory named after prefix. stop closes the cluster and
// removes the directory.
func Start(prefix string) (c *dev.Cluster, stop func() error, err error) {
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
