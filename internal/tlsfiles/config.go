package tlsfiles

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
)

// httpProtocols are offered by servers: HTTP/2 first, for gRPC clients.
var httpProtocols = []string{"h2", "http/1.1"}

// ServerConfig returns a server configuration that presents cert, as the
// files hold it at each handshake.
func ServerConfig(cert *Cert) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: httpProtocols,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return cert.current(), nil
		},
	}
}

// MutualServerConfig returns a server configuration that presents cert and
// refuses, in the handshake, every client that does not present a
// certificate signed by ca (for client authentication). Both are read as
// the files hold them at each handshake.
func MutualServerConfig(cert *Cert, ca *CA) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: httpProtocols,
		// The client CAs can only change through a whole configuration.
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return &tls.Config{
				MinVersion:   tls.VersionTLS12,
				NextProtos:   httpProtocols,
				Certificates: []tls.Certificate{*cert.current()},
				ClientAuth:   tls.RequireAndVerifyClientCert,
				ClientCAs:    ca.current(),
			}, nil
		},
	}
}

// ClientConfig returns a client configuration for one connection to
// serverName (a DNS name or an IP address, which the server's certificate
// must name): it verifies the server against ca and presents cert when
// asked. Both are read as the files hold them now; build one per
// connection, as [DialContext] does, to follow them.
func ClientConfig(cert *Cert, ca *CA, serverName string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: serverName,
		RootCAs:    ca.current(),
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return cert.current(), nil
		},
	}
}

// DialContext returns a dial function for [net/http.Transport.DialTLSContext]
// that opens TLS connections with [ClientConfig].
func DialContext(cert *Cert, ca *CA) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("tls dial %s: %w", addr, err)
		}
		d := &tls.Dialer{Config: ClientConfig(cert, ca, host)}
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, fmt.Errorf("tls dial %s: %w", addr, err)
		}
		return conn, nil
	}
}
