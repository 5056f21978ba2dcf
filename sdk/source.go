// Package sdk carries the source of Synod's guest SDKs, for tools that copy
// an SDK into a project of its own: synod new writes the Go guest SDK
// (package [github.com/synodhq/synod/sdk/guest]) into the projects it
// makes, because the module github.com/synodhq/synod cannot be fetched
// with go get.
package sdk

import (
	"embed"
	"io/fs"
)

//go:embed guest/*.go
var guest embed.FS

// GoGuest returns the Go files of the Go guest SDK, package guest, tests
// included, at the root of the returned file system.
func GoGuest() fs.FS {
	sub, err := fs.Sub(guest, "guest")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "guest" is valid.
		panic(err)
	}
	return sub
}
