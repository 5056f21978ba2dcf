package raftnet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4/config"
)

// testCA is a certificate authority that signs host certificates for
// 127.0.0.1.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "synod test ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	writePEM(t, file, "CERTIFICATE", der)
	return &testCA{cert: cert, key: key, file: file}
}

// hostConfig returns a NodeHostConfig with mutual TLS and a fresh host
// certificate that ca signed.
func (ca *testCA) hostConfig(t *testing.T) config.NodeHostConfig {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "synod test host"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	nh := config.NodeHostConfig{
		MutualTLS: true,
		CAFile:    ca.file,
		CertFile:  filepath.Join(dir, "host.pem"),
		KeyFile:   filepath.Join(dir, "host.key"),
	}
	writePEM(t, nh.CertFile, "CERTIFICATE", der)
	writePEM(t, nh.KeyFile, "PRIVATE KEY", keyDER)
	return nh
}

func writePEM(t *testing.T, file, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestMutualTLS checks that two hosts of one CA exchange batches and
// chunks over TLS, and that a host of another CA, a plain TCP client and
// a client that never finishes its handshake are refused.
func TestMutualTLS(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	a := startEndpoint(t, ca.hostConfig(t), Config{HandshakeTimeout: 300 * time.Millisecond})
	b := startEndpoint(t, ca.hostConfig(t), Config{})
	sendBatchAndChunk(t, a, b)
	sendBatchAndChunk(t, b, a)

	stranger := startEndpoint(t, newTestCA(t).hostConfig(t), Config{})
	if conn, err := stranger.GetConnection(t.Context(), a.addr); err == nil {
		conn.Close()
		t.Fatal("a host of another CA connected")
	}
	plain, err := net.Dial("tcp", a.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	hb := heartbeat()
	if _, err := plain.Write(frame(raftType, uint64(hb.Size()), marshal(t, &hb))); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, plain)
	slow, err := net.Dial("tcp", a.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	start := time.Now()
	expectClosed(t, slow)
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("a client that never handshakes was dropped after %v, before HandshakeTimeout", d)
	}
	select {
	case got := <-a.batches:
		t.Fatalf("a batch arrived outside TLS: %+v", got)
	default:
	}
	sendBatchAndChunk(t, b, a)
}
