package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/testwasm"
	synod "github.com/synodhq/synod/sdk/go"
)

// The cluster both suites run against, started by TestMain: a real
// gateway on a free loopback port over three hosts, as synod dev runs
// them, and an SDK client with its admin key.
var (
	cluster *dev.Cluster
	client  *synod.Client
)

// repoRoot is the repository's root, from this package's directory.
const repoRoot = ".."

func TestMain(m *testing.M) {
	stop, err := startCluster()
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

func startCluster() (stop func() error, err error) {
	dir, err := os.MkdirTemp("", "synod-conformance-")
	if err != nil {
		return nil, err
	}
	cacheDir, err := testwasm.SharedCacheDir()
	if err != nil {
		return nil, err
	}
	cluster, err = dev.Start(context.Background(), dev.Config{
		DataDir: filepath.Join(dir, "data"), CacheDir: cacheDir, Listen: "127.0.0.1:0", Hosts: 3,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	stop = func() error {
		return errors.Join(cluster.Close(), os.RemoveAll(dir))
	}
	client, err = synod.NewClient(cluster.URL(), synod.WithToken(cluster.AdminToken()))
	if err != nil {
		return nil, errors.Join(err, stop())
	}
	return stop, nil
}

// goKV returns the path of the Go kv example's module, built for the test.
func goKV(t *testing.T) string {
	t.Helper()
	return testwasm.Path(t, "github.com/synodhq/synod/examples/kv")
}
