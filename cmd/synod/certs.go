package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/synodhq/synod/internal/devca"
)

// The certs commands: a development CA, and certificates it issues.

func certsDirFlag(fs *flag.FlagSet) *string {
	return fs.String("dir", "", "`DIR` of the cluster CA and the certificates it issues (required)")
}

// certsInit adds the flags of synod certs init and returns what runs it.
func certsInit(fs *flag.FlagSet) runner {
	dir := certsDirFlag(fs)
	return func(_ context.Context, s streams, _ []string) error {
		if *dir == "" {
			return usagef("--dir is required")
		}
		if err := devca.Init(*dir); err != nil {
			return err
		}
		_, err := fmt.Fprintf(s.out, "cluster CA: %s (key %s)\n", filepath.Join(*dir, devca.CACertFile), filepath.Join(*dir, devca.CAKeyFile))
		return err
	}
}

// certsIssue adds the flags of synod certs issue and returns what runs it.
func certsIssue(fs *flag.FlagSet) runner {
	dir := certsDirFlag(fs)
	name := fs.String("name", "", "`NAME` of the certificate: its files are DIR/NAME.crt and DIR/NAME.key (required)")
	hosts := fs.String("hosts", "", "`NAMES` (DNS names and IP addresses) the certificate is valid for, comma-separated (default: NAME)")
	return func(_ context.Context, s streams, _ []string) error {
		if *dir == "" || *name == "" {
			return usagef("--dir and --name are required")
		}
		var hs []string
		if *hosts != "" {
			hs = strings.Split(*hosts, ",")
		}
		is, err := devca.Issue(*dir, *name, hs)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(s.out, "certificate: %s (key %s)\n", is.CertFile, is.KeyFile)
		return err
	}
}
