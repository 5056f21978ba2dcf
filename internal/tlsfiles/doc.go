// Package tlsfiles turns PEM files on disk into TLS configurations that
// follow the files: a certificate and its key ([Cert]) and a CA bundle
// ([CA]) are loaded once, checked for changes at most once a second when a
// handshake needs them, and replaced when they change, so that a rotated
// certificate takes effect without a restart.
//
// A change that does not load (a half-written file, a key that does not
// match the certificate) is logged and the previous material is kept; the
// next check tries again. Only the first load fails hard, with an error
// that names the file.
//
// [ServerConfig] serves TLS; [MutualServerConfig] also requires a client
// certificate signed by the CA; [ClientConfig] and [DialContext] present a
// certificate and verify the server against the CA. All use TLS 1.2 or
// later and Go's default cipher suites.
package tlsfiles
