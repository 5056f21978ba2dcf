package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/dev"
)

// raftTLSFiles writes a CA and a certificate for 127.0.0.1 that it
// signed, which every host of a test cluster presents.
func raftTLSFiles(tb testing.TB) host.TLSFiles {
	tb.Helper()
	dir := tb.TempDir()
	write := func(name, kind string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			tb.Fatal(err)
		}
		return path
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "synod e2e ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "synod e2e host"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return host.TLSFiles{
		CAFile:   write("ca.pem", "CERTIFICATE", caDER),
		CertFile: write("host.pem", "CERTIFICATE", der),
		KeyFile:  write("host.key", "PRIVATE KEY", keyDER),
	}
}

// TestRaftMutualTLS runs a cluster whose hosts speak Raft over mutual
// TLS (host.Config.RaftTLS), and checks that it replicates, that its Raft
// ports speak TLS, and that a plain TCP frame is refused.
func TestRaftMutualTLS(t *testing.T) {
	dir, files := t.TempDir(), raftTLSFiles(t)
	c := newClients(startInProcess(t, dev.Config{DataDir: dir, Hosts: 3, Host: host.Config{RaftTLS: files}}))
	s := c.kvShard(t, "tls", 3)
	last := c.mustPropose(t, "tls", kvCmd{Op: "put", Key: "k", Value: "v"}).GetIndex()
	c.waitApplied(t, s.GetId(), last)

	// The Raft port speaks TLS with the cluster's certificates, and
	// refuses a plain TCP frame.
	cert, err := tls.LoadX509KeyPair(files.CertFile, files.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(files.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	tc, err := tls.Dial("tcp", raftAddrs(t, dir)[0], &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatalf("tls handshake with a raft port: %v", err)
	}
	_ = tc.Close()
	conn, err := net.Dial("tcp", raftAddrs(t, dir)[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(hostileBatch(t, pb.Message{Type: pb.Heartbeat, ShardID: 1, From: 1, To: 0, Term: 1})); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(conn); err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("a plain TCP client kept its connection to a TLS Raft port for 10 s")
		}
	}
	last = c.mustPropose(t, "tls", kvCmd{Op: "put", Key: "k", Value: "w"}).GetIndex()
	c.waitApplied(t, s.GetId(), last)
}
