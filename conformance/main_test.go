package conformance_test

import (
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
	devtest.Main(m, "synod-conformance-", func(c *dev.Cluster) (err error) {
		cluster = c
		client, err = synod.NewClient(c.URL(), synod.WithToken(c.AdminToken()))
		return err
	})
}

// goKV returns the path of the Go kv example's module, built for the test.
func goKV(t *testing.T) string {
	t.Helper()
	return testwasm.Path(t, "github.com/synodhq/synod/examples/kv")
}
