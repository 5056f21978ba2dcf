package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/server"
)

// publicTLSFlags adds the flags of a public API's certificate.
func publicTLSFlags(fs *flag.FlagSet, f *server.CertFiles) {
	fs.StringVar(&f.CertFile, "tls-cert", "", "serve the public API over HTTPS with this PEM certificate `FILE` (reloaded when it changes)")
	fs.StringVar(&f.KeyFile, "tls-key", "", "PEM private key `FILE` of --tls-cert")
}

// clusterTLSFlags adds the flags of a process's cluster credentials.
func clusterTLSFlags(fs *flag.FlagSet, f *host.TLSFiles) {
	fs.StringVar(&f.CAFile, "cluster-ca", "", "PEM cluster CA bundle `FILE`: with --cluster-cert and --cluster-key, internal traffic is mutual TLS")
	fs.StringVar(&f.CertFile, "cluster-cert", "", "PEM `FILE` of this process's certificate, signed by --cluster-ca")
	fs.StringVar(&f.KeyFile, "cluster-key", "", "PEM private key `FILE` of --cluster-cert")
}

func insecureFlag(fs *flag.FlagSet, insecure *bool) {
	fs.BoolVar(insecure, "insecure", false, "allow cleartext listeners on addresses other than loopback")
}

// checkExposure returns exposure's error, or prints its warning.
func checkExposure(stderr io.Writer, cmd string, exposure func() (string, error)) error {
	warning, err := exposure()
	if err != nil {
		return err
	}
	if warning != "" {
		fmt.Fprintf(stderr, "synod %s: warning: %s\n", cmd, warning)
	}
	return nil
}
