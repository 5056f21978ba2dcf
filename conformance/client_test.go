package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/synodhq/synod/internal/testtime"
)

// runners are the client SDKs' runners of the client scenario (README.md),
// each a command run from the repository's root, given the kv module and a
// shard name as its last two arguments.
func runners(t *testing.T) map[string][]string {
	t.Helper()
	goRunner := filepath.Join(t.TempDir(), "conformance-go")
	build := exec.Command("go", "build", "-o", goRunner, "./conformance/client/go")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the Go runner: %v\n%s", err, out)
	}
	return map[string][]string{
		"go":         {goRunner},
		"typescript": {"node", "sdk/typescript/build/conformance/client.js"},
		"python":     {"sdk/python/.venv/bin/python", "sdk/python/conformance/client.py"},
		"rust":       {"sdk/rust/target/debug/examples/conformance"},
	}
}

// TestClientConformance runs every client SDK's runner against the
// cluster, each on a shard of its own, and checks that each observed what
// client/expected.json says.
func TestClientConformance(t *testing.T) {
	b, err := os.ReadFile("client/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("client/expected.json: %v", err)
	}
	kv, err := filepath.Abs(goKV(t))
	if err != nil {
		t.Fatal(err)
	}
	for sdk, cmd := range runners(t) {
		t.Run(sdk, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), testtime.Scaled(5*time.Minute))
			defer cancel()
			run := exec.CommandContext(ctx, cmd[0], append(cmd[1:], kv, "conformance-"+sdk)...)
			run.Dir = repoRoot
			run.Env = append(os.Environ(), "SYNOD_ADDR="+cluster.URL(), "SYNOD_TOKEN="+cluster.AdminToken(), "SYNOD_NAMESPACE=", "SYNOD_TLS_CA=")
			var stdout, stderr bytes.Buffer
			run.Stdout, run.Stderr = &stdout, &stderr
			if err := run.Run(); err != nil {
				t.Fatalf("%v: %v (make conformance builds every runner)\n%s", run.Args, err, stderr.Bytes())
			}
			var got map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Fatalf("the %s runner printed %q, not one JSON object: %v", sdk, stdout.Bytes(), err)
			}
			for step, w := range want {
				if g, ok := got[step]; !ok || !reflect.DeepEqual(g, w) {
					t.Errorf("step %s: the %s runner observed %v; want %v", step, sdk, g, w)
				}
			}
			for step := range got {
				if _, ok := want[step]; !ok {
					t.Errorf("the %s runner printed step %s, which the scenario does not have", sdk, step)
				}
			}
		})
	}
}
