package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/tlsfiles"
)

// CertFiles names a certificate and its private key, PEM files.
type CertFiles struct {
	// CertFile is the certificate, with any intermediates after it.
	CertFile string
	// KeyFile is its private key.
	KeyFile string
}

// set reports whether c names files at all.
func (c CertFiles) set() bool { return c != CertFiles{} }

// validate reports a pair given by half.
func (c CertFiles) validate(who string) error {
	if c.set() && (c.CertFile == "" || c.KeyFile == "") {
		return fmt.Errorf("%s: --tls-cert and --tls-key go together", who)
	}
	return nil
}

// Load returns a server configuration that serves the certificate and
// follows changes to its files, or nil if c names none.
func (c CertFiles) Load(log *slog.Logger) (*tls.Config, error) {
	if !c.set() {
		return nil, nil
	}
	if err := c.validate("public TLS"); err != nil {
		return nil, err
	}
	cert, err := tlsfiles.LoadCert(c.CertFile, c.KeyFile, log)
	if err != nil {
		return nil, fmt.Errorf("public TLS: %w", err)
	}
	return tlsfiles.ServerConfig(cert), nil
}

// loadTLS checks a process's exposure, then loads its cluster credentials
// and its public certificate (nil if none).
func loadTLS(exposure func() (string, error), clusterFiles host.TLSFiles, public CertFiles, log *slog.Logger) (cluster, *tls.Config, error) {
	if _, err := exposure(); err != nil {
		return cluster{}, nil, err
	}
	creds, err := loadCluster(clusterFiles, log)
	if err != nil {
		return cluster{}, nil, err
	}
	publicTLS, err := public.Load(log)
	if err != nil {
		return cluster{}, nil, err
	}
	return creds, publicTLS, nil
}

// clusterSet reports whether f names cluster credentials at all.
func clusterSet(f host.TLSFiles) bool { return f != host.TLSFiles{} }

// validateCluster reports cluster credentials given in part, and internal
// API URLs (flag names them) whose scheme does not match them.
func validateCluster(who string, f host.TLSFiles, flag string, urls []string) error {
	if clusterSet(f) && (f.CAFile == "" || f.CertFile == "" || f.KeyFile == "") {
		return fmt.Errorf("%s: --cluster-ca, --cluster-cert and --cluster-key go together", who)
	}
	scheme := schemeOf(f)
	for _, u := range urls {
		if !strings.HasPrefix(u, scheme+"://") {
			if clusterSet(f) {
				return fmt.Errorf("%s: %s %s: with cluster certificates, internal API URLs are https://", who, flag, u)
			}
			return fmt.Errorf("%s: %s %s: without --cluster-ca, --cluster-cert and --cluster-key, internal API URLs are http://", who, flag, u)
		}
	}
	return nil
}

// schemeOf is the scheme of internal API URLs with or without cluster
// credentials.
func schemeOf(f host.TLSFiles) string {
	if clusterSet(f) {
		return "https"
	}
	return "http"
}

// cluster is a process's loaded cluster credentials, for the internal API
// (its server and its clients). The zero value is cleartext.
type cluster struct {
	cert *tlsfiles.Cert
	ca   *tlsfiles.CA
}

// loadCluster loads the credentials f names, if any.
func loadCluster(f host.TLSFiles, log *slog.Logger) (cluster, error) {
	if !clusterSet(f) {
		return cluster{}, nil
	}
	cert, err := tlsfiles.LoadCert(f.CertFile, f.KeyFile, log)
	if err != nil {
		return cluster{}, fmt.Errorf("cluster TLS: %w", err)
	}
	ca, err := tlsfiles.LoadCA(f.CAFile, log)
	if err != nil {
		return cluster{}, fmt.Errorf("cluster TLS: %w", err)
	}
	return cluster{cert: cert, ca: ca}, nil
}

// scheme is the scheme of internal API URLs.
func (c cluster) scheme() string {
	if c.cert == nil {
		return "http"
	}
	return "https"
}

// serverConfig is the internal API's TLS configuration, which requires a
// client certificate of the cluster; nil for cleartext.
func (c cluster) serverConfig() *tls.Config {
	if c.cert == nil {
		return nil
	}
	return tlsfiles.MutualServerConfig(c.cert, c.ca)
}

// client returns the client of hosts' internal APIs: [APIClient], or one
// that presents the cluster certificate and verifies hosts against the
// cluster CA.
func (c cluster) client() *http.Client {
	if c.cert == nil {
		return APIClient
	}
	return &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: apiIdleConns,
		DialTLSContext:      tlsfiles.DialContext(c.cert, c.ca),
	}}
}
