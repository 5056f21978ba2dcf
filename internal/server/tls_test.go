package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/devca"
	"github.com/synodhq/synod/internal/tlsfiles"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

func TestCheckExposure(t *testing.T) {
	t.Parallel()
	const fix = "--tls-cert and --tls-key"
	tests := []struct {
		name        string
		insecure    bool
		ls          []Listener
		wantErr     string
		wantWarning string
	}{
		{name: "TLS anywhere", ls: []Listener{{Flag: "--listen", Addr: "0.0.0.0:1", Encrypted: true, Fix: fix}}},
		{name: "cleartext on loopback", ls: []Listener{{Flag: "--listen", Addr: "127.0.0.1:1", Fix: fix}, {Flag: "--raft-addr", Addr: "[::1]:2", Fix: fix}},
			wantWarning: "traffic on --listen 127.0.0.1:1, --raft-addr [::1]:2 is not encrypted (on loopback only)"},
		{name: "localhost", ls: []Listener{{Flag: "--listen", Addr: "localhost:1", Fix: fix}}, wantWarning: "localhost:1"},
		{name: "unset address", ls: []Listener{{Flag: "--gateway-listen", Fix: fix}}},
		{name: "cleartext on all interfaces", ls: []Listener{{Flag: "--listen", Addr: ":7070", Fix: fix}}, wantErr: "--listen :7070 would be reachable from other machines: add --tls-cert and --tls-key, or --insecure"},
		{name: "cleartext on a LAN address", ls: []Listener{{Flag: "--raft-addr", Addr: "10.0.0.1:7301", Fix: "--cluster-cert"}}, wantErr: "add --cluster-cert"},
		{name: "cleartext on a host name", ls: []Listener{{Flag: "--listen", Addr: "h1.example:1", Fix: fix}}, wantErr: "h1.example:1"},
		{name: "insecure", insecure: true, ls: []Listener{{Flag: "--listen", Addr: "0.0.0.0:1", Fix: fix}}, wantWarning: "(allowed by --insecure)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			warning, err := CheckExposure(tt.insecure, tt.ls...)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrCleartext) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CheckExposure = %v, want ErrCleartext containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !strings.Contains(warning, tt.wantWarning) || (tt.wantWarning == "") != (warning == "") {
				t.Fatalf("CheckExposure = %q, %v; want warning %q", warning, err, tt.wantWarning)
			}
		})
	}
}

func TestRunRefusesCleartextOffLoopback(t *testing.T) {
	t.Parallel()
	hc := HostConfig{Name: "h1", DataDir: t.TempDir(), Listen: "0.0.0.0:0",
		InitialCluster: []Member{{Name: "h1", RaftAddr: "127.0.0.1:1"}}, Logger: slog.New(slog.DiscardHandler)}
	err := RunHost(t.Context(), hc, func(string, string) { t.Error("the host started") })
	if !errors.Is(err, ErrCleartext) || !strings.Contains(err.Error(), "add --cluster-ca, --cluster-cert and --cluster-key") {
		t.Errorf("RunHost on 0.0.0.0 = %v, want ErrCleartext naming the cluster flags", err)
	}
	gc := GatewayConfig{Listen: "0.0.0.0:0", Hosts: []string{"http://127.0.0.1:1"}, Logger: slog.New(slog.DiscardHandler)}
	err = RunGateway(t.Context(), gc, func(string) { t.Error("the gateway started") })
	if !errors.Is(err, ErrCleartext) || !strings.Contains(err.Error(), "add --tls-cert and --tls-key") {
		t.Errorf("RunGateway on 0.0.0.0 = %v, want ErrCleartext naming the TLS flags", err)
	}
}

// tlsFixture is a development CA with certificates for loopback.
type tlsFixture struct {
	dir            string
	cluster        host.TLSFiles
	public         CertFiles
	strangerCA     string // another CA's directory
	strangerIssued devca.Issued
}

func newTLSFixture(t *testing.T) tlsFixture {
	t.Helper()
	f := tlsFixture{dir: t.TempDir(), strangerCA: t.TempDir()}
	for _, dir := range []string{f.dir, f.strangerCA} {
		if err := devca.Init(dir); err != nil {
			t.Fatal(err)
		}
	}
	loopback := []string{"127.0.0.1", "localhost"}
	node, err := devca.Issue(f.dir, "node", loopback)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := devca.Issue(f.dir, "public", loopback)
	if err != nil {
		t.Fatal(err)
	}
	if f.strangerIssued, err = devca.Issue(f.strangerCA, "node", loopback); err != nil {
		t.Fatal(err)
	}
	f.cluster = host.TLSFiles{CAFile: filepath.Join(f.dir, devca.CACertFile), CertFile: node.CertFile, KeyFile: node.KeyFile}
	f.public = CertFiles{CertFile: pub.CertFile, KeyFile: pub.KeyFile}
	return f
}

// run runs a host or gateway in the background until the test ends, and
// returns the URLs its ready callback gave.
func run(t *testing.T, start func(ctx context.Context, ready func(urls ...string)) error) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan []string, 1)
	done := make(chan error, 1)
	var once sync.Once
	go func() { done <- start(ctx, func(u ...string) { once.Do(func() { urls <- u }) }) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case u := <-urls:
		return u
	case err := <-done:
		t.Fatalf("stopped before serving: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("not serving after 60 s")
	}
	return nil
}

func freeRaftAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestClusterTLS runs a host that bootstraps, a host that joins it, and a
// gateway, all with cluster certificates (so the join, Raft and the
// gateway's calls are mutual TLS), the gateway serving HTTPS; and checks
// that the internal API refuses callers without a cluster certificate.
func TestClusterTLS(t *testing.T) {
	f := newTLSFixture(t)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	raft1 := freeRaftAddr(t)
	h1Data := filepath.Join(t.TempDir(), "h1")
	h1 := run(t, func(ctx context.Context, ready func(...string)) error {
		return RunHost(ctx, HostConfig{Name: "h1", DataDir: h1Data, Listen: "127.0.0.1:0",
			InitialCluster: []Member{{Name: "h1", RaftAddr: raft1}}, ClusterTLS: f.cluster, Logger: log},
			func(api, _ string) { ready(api) })
	})[0]
	if !strings.HasPrefix(h1, "https://") {
		t.Fatalf("internal API URL %s, want https://", h1)
	}
	run(t, func(ctx context.Context, ready func(...string)) error {
		return RunHost(ctx, HostConfig{Name: "h2", DataDir: filepath.Join(t.TempDir(), "h2"), Listen: "127.0.0.1:0",
			RaftAddr: freeRaftAddr(t), Join: []string{h1}, ClusterTLS: f.cluster, Logger: log},
			func(api, _ string) { ready(api) })
	})
	gw := run(t, func(ctx context.Context, ready func(...string)) error {
		return RunGateway(ctx, GatewayConfig{Listen: "127.0.0.1:0", Hosts: []string{h1}, TLS: f.public, ClusterTLS: f.cluster, Logger: log},
			func(url string) { ready(url) })
	})[0]
	if !strings.HasPrefix(gw, "https://") {
		t.Fatalf("gateway URL %s, want https://", gw)
	}

	// Through the gateway, over HTTPS: both hosts alive (their heartbeats
	// went through Raft) and reachable (the gateway asked each).
	roots := x509.NewCertPool()
	caPEM, err := os.ReadFile(f.cluster.CAFile)
	if err != nil || !roots.AppendCertsFromPEM(caPEM) {
		t.Fatalf("read CA: %v", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	var public *http.Client
	for public == nil {
		// The first host writes the cluster's admin token once it has
		// registered.
		if tok, err := ReadToken(filepath.Join(h1Data, AdminTokenFile)); err == nil {
			public = &http.Client{Timeout: 10 * time.Second, Transport: access.Bearer(tok.String(), &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true,
			})}
		} else if time.Now().After(deadline) {
			t.Fatalf("after 60 s: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	status := synodv1connect.NewClusterServiceClient(public, gw, connect.WithGRPC())
	for {
		res, err := status.GetStatus(t.Context(), connect.NewRequest(&synodv1.GetStatusRequest{}))
		up := 0
		if err == nil {
			for _, h := range res.Msg.GetHosts() {
				if h.GetAlive() && h.GetReachable() {
					up++
				}
			}
		}
		if up == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: %d hosts up, last error %v", up, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The internal API itself takes only cluster certificates: others fail
	// in the TLS handshake (forced to TLS 1.2 here, where the server
	// checks the client's certificate before the handshake completes), and
	// so does every call, Join included.
	creds, err := loadCluster(f.cluster, log)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := tls.LoadX509KeyPair(f.strangerIssued.CertFile, f.strangerIssued.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  *tls.Config
		ok   bool
	}{
		{name: "cluster certificate", cfg: tlsfiles.ClientConfig(creds.cert, creds.ca, "127.0.0.1"), ok: true},
		{name: "no certificate", cfg: &tls.Config{RootCAs: roots}},
		{name: "certificate of another CA", cfg: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{stranger}}},
	}
	addr := strings.TrimPrefix(h1, "https://")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tls12 := tt.cfg.Clone()
			tls12.MaxVersion = tls.VersionTLS12
			conn, err := tls.Dial("tcp", addr, tls12)
			if err == nil {
				_ = conn.Close()
			}
			if tt.ok != (err == nil) || !tt.ok && !strings.Contains(err.Error(), "tls: ") {
				t.Fatalf("TLS 1.2 handshake: %v, want success %v", err, tt.ok)
			}
			c := hostapi.NewClient(0, h1, &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tt.cfg}})
			_, err = c.LocalHosts(t.Context())
			if tt.ok != (err == nil) {
				t.Fatalf("LocalHosts: %v, want success %v", err, tt.ok)
			}
			if tt.ok {
				return
			}
			if _, err := c.Join(t.Context(), "intruder", freeRaftAddr(t), "127.0.0.1:1"); err == nil {
				t.Fatal("Join succeeded")
			}
		})
	}
}
