package tlsfiles

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
)

// Cert is a certificate and its private key, from PEM files, reloaded when
// they change. Its methods are safe for concurrent use.
type Cert struct{ src *source[*tls.Certificate] }

// LoadCert loads a certificate (with any intermediates after it) and its
// private key. Reload failures are logged to log, which may be nil.
func LoadCert(certFile, keyFile string, log *slog.Logger) (*Cert, error) {
	parse := func(b [][]byte) (*tls.Certificate, error) {
		c, err := tls.X509KeyPair(b[0], b[1])
		if err != nil {
			return nil, fmt.Errorf("tls: certificate %s with key %s: %w", certFile, keyFile, err)
		}
		return &c, nil
	}
	src, err := newSource("certificate", []string{certFile, keyFile}, parse, log)
	if err != nil {
		return nil, err
	}
	return &Cert{src: src}, nil
}

// current returns the certificate as the files now hold it.
func (c *Cert) current() *tls.Certificate { return c.src.get() }

// CA is a bundle of CA certificates, from a PEM file, reloaded when it
// changes. Its methods are safe for concurrent use.
type CA struct{ src *source[*x509.CertPool] }

// LoadCA loads a CA bundle: one or more PEM certificates. Reload failures
// are logged to log, which may be nil.
func LoadCA(file string, log *slog.Logger) (*CA, error) {
	parse := func(b [][]byte) (*x509.CertPool, error) {
		pool, err := parsePool(b[0])
		if err != nil {
			return nil, fmt.Errorf("tls: CA bundle %s: %w", file, err)
		}
		return pool, nil
	}
	src, err := newSource("CA bundle", []string{file}, parse, log)
	if err != nil {
		return nil, err
	}
	return &CA{src: src}, nil
}

// current returns the pool as the file now holds it.
func (a *CA) current() *x509.CertPool { return a.src.get() }

// parsePool parses every PEM certificate in b; anything else is an error,
// so that a key or a truncated file is not taken for an empty bundle.
func parsePool(b []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		n++
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %d is a %s, not a CERTIFICATE", n, block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		pool.AddCert(cert)
	}
	if n == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
}
