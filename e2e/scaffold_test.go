package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestNewProjectBuildsOffline makes a project with the real synod new
// outside the repository, builds and tests it with the real Go toolchain
// and make, with no module proxy and an empty module cache (so nothing can
// come from the network or from this repository's downloads), and runs
// the module it built on a cluster.
func TestNewProjectBuildsOffline(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if out, errOut, ok := synodWith(t, nil, "", "new", "demo", "--dir", dir); !ok {
		t.Fatalf("synod new: %s%s", out, errOut)
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command("make", "GO="+goTool, "test", "build")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GOPROXY=off", "GOFLAGS=-mod=mod", "GOMODCACHE="+t.TempDir(), "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make test build in the new project: %v\n%s", err, out)
	}
	wasm, err := os.ReadFile(filepath.Join(dir, "demo.wasm"))
	if err != nil {
		t.Fatalf("make build made no module: %v", err)
	}

	c := startCluster(t, host.Config{}, false)
	up, err := c.modules.UploadModule(t.Context(), connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: wasm}))
	if err != nil {
		t.Fatalf("upload demo.wasm: %v", err)
	}
	if _, err := c.shards.CreateShard(t.Context(), connect.NewRequest(&synodv1.CreateShardRequest{Name: "demo", ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 3})); err != nil {
		t.Fatalf("create shard: %v", err)
	}
	for _, cmd := range []string{"visits 41", "visits"} {
		if _, err := c.data.Propose(t.Context(), connect.NewRequest(&synodv1.ProposeRequest{Shard: "demo", Command: []byte(cmd)})); err != nil {
			t.Fatalf("propose %q: %v", cmd, err)
		}
	}
	q, err := c.data.Query(t.Context(), connect.NewRequest(&synodv1.QueryRequest{Shard: "demo", Query: []byte("visits")}))
	if err != nil {
		t.Fatalf("query visits: %v", err)
	}
	if got := q.Msg.GetResult(); !bytes.Equal(got, []byte("42")) {
		t.Errorf("query visits = %q, want 42", got)
	}
}
