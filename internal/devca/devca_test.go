package devca

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestIssuedCertificatesVerify(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "certs")
	if err := Init(dir); err != nil {
		t.Fatalf("Init: %v", err)
	}
	if err := Init(dir); !errors.Is(err, ErrExists) {
		t.Fatalf("second Init = %v, want ErrExists", err)
	}
	issued, err := Issue(dir, "h1", []string{"h1.example", "127.0.0.1"})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	for path, want := range map[string]os.FileMode{
		filepath.Join(dir, CAKeyFile): 0o600, filepath.Join(dir, CACertFile): 0o644,
		issued.KeyFile: 0o600, issued.CertFile: 0o644,
	} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", path, fi.Mode().Perm(), err, want)
		}
	}
	if _, err := tls.LoadX509KeyPair(issued.CertFile, issued.KeyFile); err != nil {
		t.Fatalf("the issued pair does not load: %v", err)
	}
	roots := x509.NewCertPool()
	caPEM, _ := os.ReadFile(filepath.Join(dir, CACertFile))
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("the CA certificate does not parse")
	}
	certPEM, _ := os.ReadFile(issued.CertFile)
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dns     string
		usage   x509.ExtKeyUsage
		wantErr bool
	}{
		{name: "server by name", dns: "h1.example", usage: x509.ExtKeyUsageServerAuth},
		{name: "server by IP", dns: "127.0.0.1", usage: x509.ExtKeyUsageServerAuth},
		{name: "client", usage: x509.ExtKeyUsageClientAuth},
		{name: "another name", dns: "h2.example", usage: x509.ExtKeyUsageServerAuth, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cert.Verify(x509.VerifyOptions{DNSName: tt.dns, Roots: roots, KeyUsages: []x509.ExtKeyUsage{tt.usage}})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Verify(%q) = %v, want error %v", tt.dns, err, tt.wantErr)
			}
		})
	}
	if !slices.ContainsFunc(cert.IPAddresses, func(ip net.IP) bool { return ip.Equal(net.IPv4(127, 0, 0, 1)) }) {
		t.Errorf("IP SANs %v lack 127.0.0.1", cert.IPAddresses)
	}
}

func TestIssueRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Issue(dir, "h1", nil); err == nil || !strings.Contains(err.Error(), "certs init") {
		t.Errorf("Issue without a CA = %v, want a hint to run synod certs init", err)
	}
	if err := Init(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "../x", "ca", ".hidden"} {
		if _, err := Issue(dir, name, nil); err == nil {
			t.Errorf("Issue(%q) succeeded", name)
		}
	}
}
