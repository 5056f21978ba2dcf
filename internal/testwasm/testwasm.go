// Package testwasm builds guest modules from Go source for tests, with the
// real toolchain (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared). Builds are
// cached by the Go build cache and, within one test process, by package.
// They are built with -trimpath, so that a module's bytes do not depend on
// where the checkout lies, and a fresh clone finds the modules compiled
// for the one before it in the shared compilation cache (CacheDir).
package testwasm

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	built = make(map[string][]byte)
	dir   string
)

// Build compiles the guest package pkg (an import path such as
// "github.com/synodhq/synod/examples/kv") and returns the module's bytes.
func Build(tb testing.TB, pkg string) []byte {
	tb.Helper()
	b, err := Compile(pkg)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Compile is [Build] for code with no testing.TB at hand, such as a
// TestMain.
func Compile(pkg string) ([]byte, error) {
	mu.Lock()
	defer mu.Unlock()
	if b, ok := built[pkg]; ok {
		return b, nil
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "synod-testwasm-")
		if err != nil {
			return nil, fmt.Errorf("create build dir: %w", err)
		}
		dir = d
	}
	out := filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_")+".wasm")
	cmd := exec.Command(goTool(), "build", "-trimpath", "-buildmode=c-shared", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build %s: %w\n%s", pkg, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", out, err)
	}
	built[pkg] = b
	return b, nil
}

// Path builds pkg like [Build] and returns the path of the module file.
func Path(tb testing.TB, pkg string) string {
	tb.Helper()
	Build(tb, pkg)
	return filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_")+".wasm")
}

func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}

// The example modules.
const (
	KV      = "github.com/synodhq/synod/examples/kv"
	Counter = "github.com/synodhq/synod/examples/counter"
)

// CacheDir returns a compilation cache directory shared by every test on
// this machine, so that each module is compiled once (compiling a Go guest
// under the race detector takes seconds). wazero keys entries by content
// and its own version, so sharing is safe.
func CacheDir(tb testing.TB) string {
	tb.Helper()
	d, err := SharedCacheDir()
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// SharedCacheDir is [CacheDir] for code with no testing.TB at hand.
func SharedCacheDir() (string, error) {
	d := filepath.Join(os.TempDir(), "synod-test-wasm-cache")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", fmt.Errorf("create cache dir: %w", err)
	}
	return d, nil
}
