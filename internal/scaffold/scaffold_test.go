package scaffold_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/synodhq/synod/internal/scaffold"
)

func config(dir string) scaffold.Config {
	return scaffold.Config{Name: "demo", Lang: "go", Dir: dir, GoVersion: "1.26", SDKVersion: "synod test"}
}

// TestWrite checks the files of a Go project; e2e/scaffold_test.go builds
// and tests one with the Go toolchain.
func TestWrite(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "demo")
	if err := scaffold.Write(config(dir)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	want := map[string]string{ // a file, and a line it must hold
		"go.mod":                             "replace github.com/synodhq/synod => ./third_party/synod",
		"main.go":                            "// Command demo is a Synod state machine",
		"main_test.go":                       "guest.NewTestShard(handlers)",
		"Makefile":                           "-o demo.wasm .",
		"README.md":                          "# demo",
		".gitignore":                         "/demo.wasm",
		"third_party/synod/go.mod":           "module github.com/synodhq/synod",
		"third_party/synod/README.md":        "copied\nfrom synod test",
		"third_party/synod/sdk/guest/doc.go": "package guest",
	}
	for name, line := range want {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("read %s: %v", name, err)
			continue
		}
		if !strings.Contains(string(b), line) {
			t.Errorf("%s does not say %q:\n%s", name, line, b)
		}
	}
	tests, _ := filepath.Glob(filepath.Join(dir, "third_party/synod/sdk/guest/*_test.go"))
	if len(tests) > 0 {
		t.Errorf("the SDK's tests were copied: %v", tests)
	}
}

func TestWriteRefuses(t *testing.T) {
	t.Parallel()
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		modify func(*scaffold.Config)
		want   string // in the error
		is     error  // in the error's chain, if not nil
	}{
		{name: "directory not empty", modify: func(c *scaffold.Config) { c.Dir = full }, want: full, is: scaffold.ErrNotEmpty},
		{name: "upper case name", modify: func(c *scaffold.Config) { c.Name = "Demo" }, want: `name "Demo"`},
		{name: "path as a name", modify: func(c *scaffold.Config) { c.Name = "a/b" }, want: `name "a/b"`},
		{name: "unknown language", modify: func(c *scaffold.Config) { c.Lang = "cobol" }, want: `language "cobol": the languages are go`},
		{name: "no Go version", modify: func(c *scaffold.Config) { c.GoVersion = "" }, want: "no Go version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := config(filepath.Join(t.TempDir(), "demo"))
			tt.modify(&c)
			err := scaffold.Write(c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write = %v, want an error saying %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Write = %v, want %v", err, tt.is)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(full, "keep.txt")); err != nil || string(b) != "mine" {
		t.Errorf("the file in the directory: %q, %v", b, err)
	}
}
