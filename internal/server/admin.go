package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/access"
)

// AdminTokenFile is the file in a bootstrapping host's data dir (and a dev
// cluster's) that holds the cluster's first admin token, readable only by
// its owner.
const AdminTokenFile = "admin.token"

// ReadToken reads an API token from a file.
func ReadToken(path string) (access.Token, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return access.Token{}, fmt.Errorf("read admin token: %w", err)
	}
	tok, err := access.ParseToken(strings.TrimSpace(string(b)))
	if err != nil {
		return access.Token{}, fmt.Errorf("admin token in %s: %w", path, err)
	}
	return tok, nil
}

// adminToken returns the token kept at path, making one and writing it
// there (mode 0600) if the file does not exist; made reports which.
func adminToken(path string) (tok access.Token, made bool, err error) {
	tok, err = ReadToken(path)
	if !errors.Is(err, os.ErrNotExist) {
		return tok, false, err
	}
	tok = access.NewToken()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return access.Token{}, false, fmt.Errorf("write admin token: %w", err)
	}
	// The file must outlive a crash before the cluster records the key:
	// a cluster makes its first key once.
	_, err = fmt.Fprintln(f, tok.String())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		return access.Token{}, false, fmt.Errorf("write admin token %s: %w", path, err)
	}
	return tok, true, nil
}

// BootstrapAdmin makes sure the cluster h belongs to has its first admin
// key: the token at path, made there if the file does not exist. A
// cluster that has had a first key keeps it (or its revocation), whatever
// the file says. It returns the token and whether it made the file.
func BootstrapAdmin(ctx context.Context, h *host.Host, path string) (access.Token, bool, error) {
	tok, made, err := adminToken(path)
	if err != nil {
		return access.Token{}, false, err
	}
	if err := h.BootstrapKey(ctx, tok); err != nil && !errors.Is(err, meta.ErrKeyExists) {
		return access.Token{}, false, err
	}
	return tok, made, nil
}

// syncDir makes a directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
