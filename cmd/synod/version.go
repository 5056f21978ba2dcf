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
	goVersion := runtime.Version()
	if info != nil {
		goVersion = info.GoVersion
	}
	return fmt.Sprintf("synod %s\ncommit: %s\ngo: %s %s/%s\n", version, commit(info), goVersion, runtime.GOOS, runtime.GOARCH)
}

// commit says which commit the binary that info (nil if unknown)
// describes was built from: "unknown", or the revision, its time and
// whether the tree had local changes.
func commit(info *debug.BuildInfo) string {
	if info == nil {
		return "unknown"
	}
	settings := make(map[string]string)
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		return "unknown"
	}
	if t := settings["vcs.time"]; t != "" {
		rev += " (" + t + ")"
	}
	if settings["vcs.modified"] == "true" {
		rev += " with local changes"
	}
	return rev
}
