package server

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve serves h on ln with HTTP/1.1 and cleartext HTTP/2 (for gRPC) until
// the returned server is closed or shut down.
func Serve(ln net.Listener, h http.Handler, log *slog.Logger) *http.Server {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &protocols, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	return srv
}
