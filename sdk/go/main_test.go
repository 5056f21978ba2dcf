package synod_test

import (
	"context"
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
	devtest.Main(m, "synod-sdk-go-", setup)
}

// setup creates the kv shard on the dev cluster, and points the
// environment (which the examples read) at the cluster.
func setup(c *dev.Cluster) error {
	cluster = c
	var err error
	if kvWasm, err = testwasm.Compile(testwasm.KV); err != nil {
		return err
	}
	os.Setenv("SYNOD_ADDR", cluster.URL())
	os.Setenv("SYNOD_TOKEN", cluster.AdminToken())
	os.Unsetenv("SYNOD_NAMESPACE")
	os.Unsetenv("SYNOD_TLS_CA")
	client, err := synod.New()
	if err != nil {
		return err
	}
	return createKV(client)
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
