package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	goversion "go/version"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/synodhq/synod/internal/scaffold"
)

// newCommand is the setup of synod new: it makes a state machine's project
// with internal/scaffold.
func newCommand(fs *flag.FlagSet) runner {
	lang := fs.String("lang", "go", "`LANG` of the state machine: "+strings.Join(scaffold.Langs(), ", "))
	dir := fs.String("dir", "", "`DIR` of the project: it must not exist, or be empty (default: ./NAME)")
	return func(_ context.Context, s streams, pos []string) error {
		name := pos[0]
		goVersion := strings.TrimPrefix(goversion.Lang(runtime.Version()), "go")
		if goVersion == "" {
			return fmt.Errorf("new: cannot tell the Go language version of this binary's toolchain, %s", runtime.Version())
		}
		info, _ := debug.ReadBuildInfo()
		c := scaffold.Config{Name: name, Lang: *lang, Dir: cmp.Or(*dir, name), GoVersion: goVersion,
			SDKVersion: fmt.Sprintf("synod %s (commit %s)", version, commit(info))}
		if err := c.Validate(); err != nil {
			return usagef("%w", err)
		}
		if err := scaffold.Write(c); err != nil {
			return err
		}
		_, err := fmt.Fprintf(s.out, "made %s in %s: cd %s && make test build   # %s.wasm\n", name, c.Dir, c.Dir, name)
		return err
	}
}
