package tlsfiles

import (
	"crypto/tls"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/synodhq/synod/internal/devca"
)

// newCA makes a CA in a temporary directory and returns the directory.
func newCA(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := devca.Init(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func issue(t *testing.T, dir, name string) devca.Issued {
	t.Helper()
	is, err := devca.Issue(dir, name, []string{"127.0.0.1", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

// serveHTTPS serves an "ok" handler over TLS on loopback and returns its
// address.
func serveHTTPS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:   http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }),
		TLSConfig: cfg,
		ErrorLog:  log.New(io.Discard, "", 0), // refused handshakes are the point
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// serial returns the serial number of the certificate the server at addr
// presents.
func serial(t *testing.T, addr string) *big.Int {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber
}

func TestReloadServesTheNewCertificate(t *testing.T) {
	t.Parallel()
	dir := newCA(t)
	is := issue(t, dir, "srv")
	cert, err := LoadCert(is.CertFile, is.KeyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveHTTPS(t, ServerConfig(cert))
	first := serial(t, addr)

	// A file that does not load is not served: the old certificate stays.
	time.Sleep(recheck) // let the next handshake check the files
	if err := os.WriteFile(is.CertFile, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := serial(t, addr); got.Cmp(first) != 0 {
		t.Fatalf("after a bad write the server presents serial %v, want the old %v", got, first)
	}

	issue(t, dir, "srv")
	fresh, err := tls.LoadX509KeyPair(is.CertFile, is.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := serial(t, addr)
		if got.Cmp(fresh.Leaf.SerialNumber) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after reissue the server presents serial %v, want %v", got, fresh.Leaf.SerialNumber)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMutualTLS(t *testing.T) {
	t.Parallel()
	dir, other := newCA(t), newCA(t)
	srvFiles, cliFiles, strangerFiles := issue(t, dir, "srv"), issue(t, dir, "cli"), issue(t, other, "stranger")
	ca, err := LoadCA(filepath.Join(dir, devca.CACertFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	srvCert, err := LoadCert(srvFiles.CertFile, srvFiles.KeyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveHTTPS(t, MutualServerConfig(srvCert, ca))
	client := func(cfg *tls.Config) *http.Client {
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	}
	load := func(is devca.Issued) *Cert {
		c, err := LoadCert(is.CertFile, is.KeyFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cluster := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialTLSContext: DialContext(load(cliFiles), ca)}}
	noCert := ClientConfig(load(cliFiles), ca, "127.0.0.1")
	noCert.GetClientCertificate = nil
	tests := []struct {
		name   string
		client *http.Client
		ok     bool
	}{
		{name: "cluster certificate", client: cluster, ok: true},
		{name: "no certificate", client: client(noCert)},
		{name: "certificate of another CA", client: client(ClientConfig(load(strangerFiles), ca, "127.0.0.1"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.client.Get("https://" + addr + "/")
			if err == nil {
				_ = res.Body.Close()
			}
			if (err == nil) != tt.ok {
				t.Fatalf("GET = %v, want success %v", err, tt.ok)
			}
		})
	}
	// The client verifies the server against the cluster CA too.
	strangerCA, err := LoadCA(filepath.Join(other, devca.CACertFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	wrongRoots := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialTLSContext: DialContext(load(cliFiles), strangerCA)}}
	if _, err := wrongRoots.Get("https://" + addr + "/"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a client trusting another CA: %v, want a certificate error", err)
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	t.Parallel()
	dir := newCA(t)
	is := issue(t, dir, "a")
	other := issue(t, dir, "b")
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name      string
		load      func() error
		wantInErr string
	}{
		{name: "missing certificate", load: func() error { _, err := LoadCert(missing, is.KeyFile, nil); return err }, wantInErr: missing},
		{name: "garbage certificate", load: func() error { _, err := LoadCert(garbage, is.KeyFile, nil); return err }, wantInErr: garbage},
		{name: "key of another certificate", load: func() error { _, err := LoadCert(is.CertFile, other.KeyFile, nil); return err }, wantInErr: other.KeyFile},
		{name: "missing CA", load: func() error { _, err := LoadCA(missing, nil); return err }, wantInErr: missing},
		{name: "garbage CA", load: func() error { _, err := LoadCA(garbage, nil); return err }, wantInErr: garbage},
		{name: "key for a CA", load: func() error { _, err := LoadCA(is.KeyFile, nil); return err }, wantInErr: "not a CERTIFICATE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.load()
			if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
				t.Fatalf("error %v, want one naming %q", err, tt.wantInErr)
			}
		})
	}
}
