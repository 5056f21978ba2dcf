package synod_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/devtest"
	"github.com/synodhq/synod/internal/testwasm"
	synod "github.com/synodhq/synod/sdk/go"
)

// The dev cluster every test and example of the package calls, started by
// TestMain: a real gateway on a free loopback port, over three hosts, as
// synod dev runs them. Its shard "kv" runs the kv example.
var (
	cluster *dev.Cluster
	kvWasm  []byte
	kvHash  string
)

// kvShard is the shard of the kv example that TestMain creates.
const kvShard = "kv"

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

// startCluster starts the dev cluster, creates the kv shard, and points
// the environment (which the examples read) at the cluster.
func startCluster() (stop func() error, err error) {
	if kvWasm, err = testwasm.Compile(testwasm.KV); err != nil {
		return nil, err
	}
	if cluster, stop, err = devtest.Start("synod-sdk-go-"); err != nil {
		return nil, err
	}
	os.Setenv("SYNOD_ADDR", cluster.URL())
	os.Setenv("SYNOD_TOKEN", cluster.AdminToken())
	os.Unsetenv("SYNOD_NAMESPACE")
	os.Unsetenv("SYNOD_TLS_CA")
	c, err := synod.New()
	if err == nil {
		err = createKV(c)
	}
	if err != nil {
		return nil, errors.Join(err, stop())
	}
	return stop, nil
}

func createKV(c *synod.Client) error {
	ctx := context.Background()
	mod, err := c.UploadModule(ctx, kvWasm)
	if err != nil {
		return err
	}
	kvHash = mod.GetHash()
	_, err = c.CreateShard(ctx, kvShard, kvHash, synod.ShardSettings{})
	return err
}
