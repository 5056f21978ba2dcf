package hostapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/bodylimit"
	"github.com/synodhq/synod/internal/link"
	"github.com/synodhq/synod/internal/outcome"
	hostv1 "github.com/synodhq/synod/proto/synod/host/v1"
)

// The data plane's hot calls, Propose, Query and QueryBatch, also travel
// over a link (package link): one connection per gateway and host that
// carries many calls at once, opened by an HTTP/1.1 upgrade on the
// internal API's listener, so that it shares the listener's TLS, client
// certificates and connection cap. Requests and responses are the
// Connect API's messages; a failure's body is its HostError.
const (
	// LinkPath is where the internal API's listener upgrades a
	// connection to a link.
	LinkPath = "/synod.host.v1.Link"
	// linkProtocol is the Upgrade header's token.
	linkProtocol = "synod-link/1"
)

// The link's methods.
const (
	linkPropose    uint8 = 1
	linkQuery      uint8 = 2
	linkQueryBatch uint8 = 3
)

// The link's response statuses.
const (
	linkOK    uint8 = 0
	linkError uint8 = 1 // the body is a HostError
)

// linkIdle closes a link that has carried no call for this long; clients
// dial again on their next call.
const linkIdle = 2 * time.Minute

// Link serves the link's calls on connections that ask for it; it is the
// handler of [LinkPath] on the internal API's listener.
type Link struct {
	srv *link.Server
}

// NewLink returns the link server of h, which accepts requests of up to
// maxRequestBytes (0: 20 MiB), as [NewHandler] does.
func NewLink(h *host.Host, maxRequestBytes int, log *slog.Logger) *Link {
	return newLink((&server{h: h}).serveLink, maxRequestBytes, log)
}

// newLink returns a link server whose calls serve runs.
func newLink(serve link.Handler, maxRequestBytes int, log *slog.Logger) *Link {
	if maxRequestBytes == 0 {
		maxRequestBytes = bodylimit.DefaultMaxBytes
	}
	return &Link{srv: link.NewServer(serve, link.ServerConfig{
		MaxBody: maxRequestBytes, Idle: linkIdle,
		Log:    func(msg string, args ...any) { log.Info(msg, args...) },
		Refuse: refuseLink,
	})}
}

// refuseLink answers a link request the host did not run: not applied,
// so the gateway may send it again.
func refuseLink(reason link.Refusal, length int) (uint8, []byte) {
	var err error = outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "host busy: its link has as many calls in flight as it may take")
	if reason == link.TooLarge {
		err = fmt.Errorf("a link request of %d bytes: %w", length, host.ErrTooLarge)
	}
	b, _ := proto.Marshal(detailOf(err))
	return linkError, b
}

// ServeHTTP upgrades an HTTP/1.1 request for the link, and serves the
// link on its connection until it ends.
func (l *Link) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", linkProtocol) {
		w.Header().Set("Upgrade", linkProtocol)
		http.Error(w, "this path serves the host link: send GET with Connection: Upgrade and Upgrade: "+linkProtocol, http.StatusUpgradeRequired)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "the host link needs HTTP/1.1: "+err.Error(), http.StatusHTTPVersionNotSupported)
		return
	}
	// The server's read and write deadlines were for the request.
	if err := conn.SetDeadline(time.Time{}); err != nil {
		_ = conn.Close()
		return
	}
	if _, err := rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + linkProtocol + "\r\n\r\n"); err != nil {
		_ = conn.Close()
		return
	}
	if err := rw.Flush(); err != nil {
		_ = conn.Close()
		return
	}
	l.srv.ServeConn(conn, rw.Reader)
}

// Shutdown stops taking calls, answers those it took, until ctx ends, and
// closes every link.
func (l *Link) Shutdown(ctx context.Context) error { return l.srv.Shutdown(ctx) }

// Close closes every link at once.
func (l *Link) Close() { l.srv.Close() }

// headerHasToken reports whether a comma-separated header holds token,
// in any case.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// serveLink runs one call that came over a link.
func (s *server) serveLink(ctx context.Context, method uint8, body []byte) (uint8, []byte) {
	var res proto.Message
	var err error
	switch method {
	case linkPropose:
		req := new(hostv1.ProposeRequest)
		if err = unmarshalRequest(body, req); err == nil {
			res, err = s.propose(ctx, req)
		}
	case linkQuery:
		req := new(hostv1.QueryRequest)
		if err = unmarshalRequest(body, req); err == nil {
			res, err = s.query(ctx, req)
		}
	case linkQueryBatch:
		req := new(hostv1.QueryBatchRequest)
		if err = unmarshalRequest(body, req); err == nil {
			res, err = s.queryBatch(ctx, req)
		}
	default:
		err = outcome.Errorf(outcome.Invalid, outcome.AppliedNo, "unknown link method %d", method)
	}
	status := linkOK
	if err != nil {
		status, res = linkError, detailOf(err)
	}
	b, err := proto.Marshal(res)
	if err != nil {
		b, _ = proto.Marshal(detailOf(fmt.Errorf("encode link response: %w", err)))
		return linkError, b
	}
	return status, b
}

// unmarshalRequest decodes a link request's body into req.
func unmarshalRequest(body []byte, req proto.Message) error {
	if err := proto.Unmarshal(body, req); err != nil {
		return outcome.Errorf(outcome.Invalid, outcome.AppliedNo, "decode link request: %v", err)
	}
	return nil
}
