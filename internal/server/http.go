package server

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bound what the clients of one listener can make the process
// hold. Zero values take the defaults documented on each field.
type Limits struct {
	// MaxConns is how many connections the listener holds open at once;
	// further ones wait in the kernel's accept queue, costing the process
	// no file descriptor, until one closes. Default: an eighth of the
	// process's file-descriptor limit (a process serves up to four
	// listeners: synod dev's three internal APIs and its gateway), at
	// most 10,000.
	MaxConns int
	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's headers; default 10 s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds how long a client may take to send a whole
	// request, body included; default 2 min (a 20 MiB module upload at
	// 170 KB/s).
	ReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection (HTTP/1.1 or HTTP/2)
	// that has had no request for this long; default 2 min.
	IdleTimeout time.Duration
}

// maxConnsCap is the most connections one listener holds by default.
const maxConnsCap = 10000

func (l Limits) withDefaults() Limits {
	if l.MaxConns == 0 {
		l.MaxConns = min(maxConnsCap, max(64, fdLimit()/8))
	}
	if l.ReadHeaderTimeout == 0 {
		l.ReadHeaderTimeout = 10 * time.Second
	}
	if l.ReadTimeout == 0 {
		l.ReadTimeout = 2 * time.Minute
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = 2 * time.Minute
	}
	return l
}

// fdLimit returns the process's file-descriptor limit, or 1024 if it
// cannot be read.
func fdLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 1024
	}
	return int(min(rl.Cur, 1<<30))
}

// Serve serves h on ln with HTTP/1.1 and cleartext HTTP/2 (for gRPC), with
// the default [Limits], until the returned server is closed or shut down.
func Serve(ln net.Listener, h http.Handler, log *slog.Logger) *http.Server {
	return ServeLimited(ln, h, Limits{}, log)
}

// ServeLimited is [Serve] with the given limits.
func ServeLimited(ln net.Listener, h http.Handler, limits Limits, log *slog.Logger) *http.Server {
	return ServeTLS(ln, h, limits, nil, log)
}

// ServeTLS is [ServeLimited] over TLS with tlsConfig (HTTP/1.1 and HTTP/2,
// negotiated by ALPN), or in cleartext if tlsConfig is nil. The TLS
// handshake counts against ReadHeaderTimeout.
func ServeTLS(ln net.Listener, h http.Handler, limits Limits, tlsConfig *tls.Config, log *slog.Logger) *http.Server {
	limits = limits.withDefaults()
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	protocols.SetHTTP2(tlsConfig != nil)
	srv := &http.Server{
		Handler:           h,
		Protocols:         &protocols,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: limits.ReadHeaderTimeout,
		ReadTimeout:       limits.ReadTimeout,
		IdleTimeout:       limits.IdleTimeout,
	}
	serve := srv.Serve
	if tlsConfig != nil {
		serve = func(l net.Listener) error { return srv.ServeTLS(l, "", "") }
	}
	go func() {
		if err := serve(netutil.LimitListener(ln, limits.MaxConns)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	return srv
}
