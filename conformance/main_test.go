package conformance_test

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/devtest"
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
	if cluster, stop, err = devtest.Start("synod-conformance-"); err != nil {
		return nil, err
	}
	if client, err = synod.NewClient(cluster.URL(), synod.WithToken(cluster.AdminToken())); err != nil {
		return nil, errors.Join(err, stop())
	}
	return stop, nil
}

// goKV returns the path of the Go kv example's module, built for the test.
func goKV(t *testing.T) string {
	t.Helper()
	return testwasm.Path(t, "github.com/synodhq/synod/examples/kv")
}
