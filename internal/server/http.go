package server

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/synodhq/synod/internal/bodylimit"
)

// Limits bound what the clients of one listener can make the process
// hold. Zero values take the defaults documented on each field.
type Limits struct {
	// MaxConns is how many connections the listener holds open at once;
	// further ones wait in the kernel's accept queue, costing the process
	// no file descriptor, until one closes (at the cap, each waiting one
	// closes the longest-idle keep-alive connection). Default: an eighth
	// of the process's file-descriptor limit (a process serves up to four
	// listeners: synod dev's three internal APIs and its gateway), at
	// most 10,000.
	MaxConns int
	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's headers, and how long a new connection, HTTP/2 included,
	// may wait before its first request; default 10 s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds how long a client may take to send a whole
	// request, body included (for HTTP/2, each stream's); default 2 min (a
	// 20 MiB module upload at 170 KB/s).
	ReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection (HTTP/1.1 or HTTP/2)
	// that has had no request for this long; default 2 min.
	IdleTimeout time.Duration
	// MaxRequestBytes is the largest request message the handlers accept
	// (give them the same number, see [bodylimit.ConnectOptions]); the
	// listener reads no body past it plus a little framing. Default
	// [bodylimit.DefaultMaxBytes], 20 MiB.
	MaxRequestBytes int64
	// CallsPerKey, if positive, is how many calls a second a gateway
	// serving on the listener admits from each API key; default 0, no
	// limit per key (namespaces' quotas still apply).
	CallsPerKey int
}

// maxConnsCap is the most connections one listener holds by default.
const maxConnsCap = 10000

// maxConcurrentStreams is how many requests one HTTP/2 connection may have
// in flight; further streams are refused. Go's default is 250; a client
// with more work to do opens another connection, which MaxConns counts.
const maxConcurrentStreams = 100

// Validate reports the first field that is wrong.
func (l Limits) Validate() error {
	switch {
	case l.MaxConns < 0:
		return errors.New("limits: --max-conns must not be negative")
	case l.ReadHeaderTimeout < 0:
		return errors.New("limits: --read-header-timeout must not be negative")
	case l.ReadTimeout < 0:
		return errors.New("limits: --read-timeout must not be negative")
	case l.IdleTimeout < 0:
		return errors.New("limits: --idle-timeout must not be negative")
	case l.MaxRequestBytes < 0:
		return errors.New("limits: --max-request-bytes must not be negative")
	case l.CallsPerKey < 0:
		return errors.New("limits: --calls-per-key must not be negative")
	}
	return nil
}

// WithDefaults returns the limits with every zero field set to its
// default.
func (l Limits) WithDefaults() Limits {
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
	if l.MaxRequestBytes == 0 {
		l.MaxRequestBytes = bodylimit.DefaultMaxBytes
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
	limits = limits.WithDefaults()
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	protocols.SetHTTP2(tlsConfig != nil)
	capped := newCapListener(ln, limits.MaxConns, limits.ReadHeaderTimeout, log)
	srv := &http.Server{
		Handler:           markStarted(bodylimit.Handler(h, limits.MaxRequestBytes)),
		Protocols:         &protocols,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: limits.ReadHeaderTimeout,
		ReadTimeout:       limits.ReadTimeout,
		IdleTimeout:       limits.IdleTimeout,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: maxConcurrentStreams},
		ConnContext:       withConn,
		ConnState:         capped.connState,
	}
	serve := srv.Serve
	if tlsConfig != nil {
		serve = func(l net.Listener) error { return srv.ServeTLS(l, "", "") }
	}
	go func() {
		if err := serve(capped); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	return srv
}
