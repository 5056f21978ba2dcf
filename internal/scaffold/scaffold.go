// Package scaffold makes the project of a new state machine outside
// Synod's repository: what synod new writes. A project has the source of a
// small state machine, its test, a Makefile, a README and a copy of the
// guest SDK that its go.mod points at, so that it builds offline (the
// module github.com/synodhq/synod cannot be fetched with go get).
//
// A copy, not a replace directive pointing at a checkout of Synod: a
// checkout's path is one machine's (CI has none), synod cannot find it
// reliably from its own binary, and a checkout moves, so the same project
// would build different modules, with different hashes, over time. The
// guest SDK needs only the standard library, so the copy is a few files.
//
// The files come from the templates under templates/LANG, rendered with
// text/template and the [Config]; a template's name without its .tmpl
// suffix is the file's path in the project.
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/synodhq/synod/sdk"
)

//go:embed all:templates
var templates embed.FS

// sdkDir is where a Go project keeps its copy of the guest SDK: the root
// of the module github.com/synodhq/synod that its go.mod replaces.
const sdkDir = "third_party/synod"

// ErrNotEmpty reports that the project's directory exists and holds files:
// [Write] never overwrites anything.
var ErrNotEmpty = errors.New("scaffold: directory is not empty")

// namePattern is what a project's name may be: it names the Go module, the
// .wasm file and the directory.
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// Config says which project to make.
type Config struct {
	// Name names the project: its Go module, its module file NAME.wasm and,
	// by default, its shard. Lower-case letters, digits, '-' and '_',
	// starting with a letter.
	Name string
	// Lang is the language of the state machine, one of [Langs].
	Lang string
	// Dir is the project's directory: it must not exist, or be empty.
	Dir string
	// GoVersion is the go directive of the project's go.mod, such as
	// "1.26": the Go that the guest SDK needs.
	GoVersion string
	// SDKVersion says which Synod the copy of the SDK comes from, for the
	// copy's README.
	SDKVersion string
}

// Langs returns the languages a project may be written in, sorted.
func Langs() []string {
	entries, err := templates.ReadDir("templates")
	if err != nil {
		// The directory is embedded: reading it cannot fail.
		panic(err)
	}
	var langs []string
	for _, e := range entries {
		langs = append(langs, e.Name())
	}
	return langs
}

// Validate reports the first field of c that is missing or wrong.
func (c Config) Validate() error {
	switch {
	case !namePattern.MatchString(c.Name):
		return fmt.Errorf("name %q: use lower-case letters, digits, '-' and '_', starting with a letter", c.Name)
	case !slices.Contains(Langs(), c.Lang):
		return fmt.Errorf("language %q: the languages are %s", c.Lang, strings.Join(Langs(), ", "))
	case c.Dir == "":
		return errors.New("no directory")
	case c.GoVersion == "":
		return errors.New("no Go version")
	case c.SDKVersion == "":
		return errors.New("no SDK version")
	}
	return nil
}

// Write makes the project that c describes in c.Dir, creating the
// directory if needed. It fails with [ErrNotEmpty] if the directory holds
// anything.
func Write(c Config) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("scaffold: %w", err)
	}
	if err := checkEmpty(c.Dir); err != nil {
		return err
	}
	files, err := render(c)
	if err != nil {
		return err
	}
	for name, data := range files {
		if err := writeFile(filepath.Join(c.Dir, filepath.FromSlash(name)), data); err != nil {
			return err
		}
	}
	return nil
}

// checkEmpty fails unless dir is missing or an empty directory.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("scaffold: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("%w: %s", ErrNotEmpty, dir)
	}
	return nil
}

// render returns the project's files by their slash-separated paths: the
// rendered templates of c.Lang, and the SDK's sources.
func render(c Config) (map[string][]byte, error) {
	root := path.Join("templates", c.Lang)
	files := make(map[string][]byte)
	err := fs.WalkDir(templates, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		t, err := template.New(d.Name()).Option("missingkey=error").ParseFS(templates, p)
		if err != nil {
			return fmt.Errorf("scaffold: template %s: %w", p, err)
		}
		var out bytes.Buffer
		if err := t.Execute(&out, c); err != nil {
			return fmt.Errorf("scaffold: template %s: %w", p, err)
		}
		files[strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".tmpl")] = out.Bytes()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := addSDK(files); err != nil {
		return nil, err
	}
	return files, nil
}

// addSDK adds the Go guest SDK's sources, without its tests, under
// sdkDir/sdk/guest.
func addSDK(files map[string][]byte) error {
	guest := sdk.GoGuest()
	names, err := fs.Glob(guest, "*.go")
	if err != nil {
		return fmt.Errorf("scaffold: list the guest SDK: %w", err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := fs.ReadFile(guest, name)
		if err != nil {
			return fmt.Errorf("scaffold: read the guest SDK: %w", err)
		}
		files[path.Join(sdkDir, "sdk/guest", name)] = b
	}
	return nil
}

func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("scaffold: %w", err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return fmt.Errorf("scaffold: %w", err)
	}
	return nil
}
