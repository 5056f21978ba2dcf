package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is the release this binary is, set when it is built for one:
// go build -ldflags "-X main.version=v1.2.3" ./cmd/synod.
var version = "devel"

// versionCommand is the setup of synod version.
func versionCommand(*flag.FlagSet) runner {
	return func(_ context.Context, s streams, _ []string) error {
		info, _ := debug.ReadBuildInfo()
		_, err := fmt.Fprint(s.out, versionText(info))
		return err
	}
}

// versionText says which version, commit and Go built the binary that
// info (nil if unknown) describes.
func versionText(info *debug.BuildInfo) string {
	commit, goVersion := "unknown", runtime.Version()
	if info != nil {
		goVersion = info.GoVersion
		settings := make(map[string]string)
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			commit = rev
			if t := settings["vcs.time"]; t != "" {
				commit += " (" + t + ")"
			}
			if settings["vcs.modified"] == "true" {
				commit += " with local changes"
			}
		}
	}
	return fmt.Sprintf("synod %s\ncommit: %s\ngo: %s %s/%s\n", version, commit, goVersion, runtime.GOOS, runtime.GOARCH)
}
