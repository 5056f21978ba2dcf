package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/synodhq/synod/internal/devca"
)

// runCerts runs `synod certs init` or `synod certs issue`.
func runCerts(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: certs needs a subcommand: init or issue", errUsage)
	}
	fs := flag.NewFlagSet("certs "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "directory of the cluster CA and the certificates it issues")
	switch args[0] {
	case "init":
		if _, err := parseArgs(fs, args[1:], 0); err != nil {
			return err
		}
		if *dir == "" {
			return fmt.Errorf("%w: certs init: --dir is required", errUsage)
		}
		if err := devca.Init(*dir); err != nil {
			return err
		}
		_, err := fmt.Fprintf(stdout, "cluster CA: %s (key %s)\n", filepath.Join(*dir, devca.CACertFile), filepath.Join(*dir, devca.CAKeyFile))
		return err
	case "issue":
		name := fs.String("name", "", "name of the certificate (its files are DIR/NAME.crt and DIR/NAME.key)")
		hosts := fs.String("hosts", "", "DNS names and IP addresses the certificate is valid for, comma-separated (default NAME)")
		if _, err := parseArgs(fs, args[1:], 0); err != nil {
			return err
		}
		if *dir == "" || *name == "" {
			return fmt.Errorf("%w: certs issue: --dir and --name are required", errUsage)
		}
		var hs []string
		if *hosts != "" {
			hs = strings.Split(*hosts, ",")
		}
		is, err := devca.Issue(*dir, *name, hs)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "certificate: %s (key %s)\n", is.CertFile, is.KeyFile)
		return err
	}
	return fmt.Errorf("%w: unknown command certs %s", errUsage, args[0])
}
