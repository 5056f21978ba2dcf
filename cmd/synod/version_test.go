package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{name: "no build info", want: "synod devel\ncommit: unknown\ngo: " + runtime.Version()},
		{name: "no VCS stamp", info: &debug.BuildInfo{GoVersion: "go1.26.8"}, want: "synod devel\ncommit: unknown\ngo: go1.26.8 "},
		{name: "a commit", info: &debug.BuildInfo{GoVersion: "go1.26.8", Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "2edffcd"}, {Key: "vcs.time", Value: "2026-11-25T10:00:00Z"}, {Key: "vcs.modified", Value: "false"},
		}}, want: "commit: 2edffcd (2026-11-25T10:00:00Z)\n"},
		{name: "local changes", info: &debug.BuildInfo{GoVersion: "go1.26.8", Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "2edffcd"}, {Key: "vcs.modified", Value: "true"},
		}}, want: "commit: 2edffcd with local changes\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := versionText(tt.info); !strings.Contains(got, tt.want) {
				t.Errorf("versionText = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}
