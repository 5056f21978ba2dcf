package hostapi

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/synodhq/synod/internal/link"
	"github.com/synodhq/synod/internal/outcome"
	hostv1 "github.com/synodhq/synod/proto/synod/host/v1"
)

// linkDialTimeout bounds dialling a host and upgrading to a link.
const linkDialTimeout = 5 * time.Second

// linkRetryAfter is how long a client makes its calls over Connect after
// a host refused a link (a host of an older version), or after dialling
// one failed, before it tries again.
const linkRetryAfter = 30 * time.Second

// dialFunc opens a connection, as http.Transport's DialContext does.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// linker holds a client's link to its host, dialled on first use and
// again after it fails.
type linker struct {
	dial dialFunc
	addr string // host:port
	host string // the Host header

	mu       sync.Mutex
	c        *link.Client
	noLinkAt time.Time     // when the host last refused or failed a link
	dialled  chan struct{} // while the link is being dialled: closed after
	closed   bool
}

// newLinker returns the linker of a host's internal API at baseURL,
// which dials as hc's transport does; nil if hc's transport is not an
// [*http.Transport] or the URL is not one to dial.
func newLinker(baseURL string, hc *http.Client) *linker {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return nil
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return nil
	}
	addr := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	var dial dialFunc
	switch {
	case u.Scheme == "https" && t.DialTLSContext != nil:
		dial = t.DialTLSContext
	case u.Scheme == "https":
		dial = (&tls.Dialer{Config: t.TLSClientConfig}).DialContext
	case u.Scheme == "http" && t.DialContext != nil:
		dial = t.DialContext
	case u.Scheme == "http":
		dial = (&net.Dialer{}).DialContext
	default:
		return nil
	}
	return &linker{dial: dial, addr: addr, host: u.Host}
}

// client returns the link to the host, dialling it if need be; nil if
// calls should go over Connect for now, or if ctx ends while a dial is
// under way. The dial is the linker's, not a call's: it runs on a
// goroutine of its own for up to linkDialTimeout (a host that does not
// answer takes that long, which may be past the calls' deadlines), and
// every call that needs it waits for it within its own context; a call
// that gives up does not end it for the others.
func (l *linker) client(ctx context.Context) *link.Client {
	l.mu.Lock()
	for {
		if l.closed || time.Since(l.noLinkAt) < linkRetryAfter {
			l.mu.Unlock()
			return nil
		}
		if c := l.c; c != nil && c.Usable() {
			l.mu.Unlock()
			return c
		}
		if l.dialled == nil {
			if l.c != nil {
				// A link that failed has failed its calls; one the host
				// is closing (a go-away) still owes answers to some: it
				// closes once they are in, or after the longest a call
				// may wait.
				go closeAfter(l.c, maxDrain)
				l.c = nil
			}
			l.dialled = make(chan struct{})
			go l.dialLink(l.dialled)
		}
		dialled := l.dialled
		l.mu.Unlock()
		select {
		case <-dialled:
		case <-ctx.Done():
			return nil
		}
		l.mu.Lock()
	}
}

// dialLink opens the link for client, and closes dialled once it is open
// or has failed.
func (l *linker) dialLink(dialled chan struct{}) {
	c, err := l.open(context.Background())
	l.mu.Lock()
	defer l.mu.Unlock()
	defer close(dialled)
	l.dialled = nil
	switch {
	case err != nil:
		l.noLinkAt = time.Now() // the host failed or refused it
	case l.closed:
		_ = c.Close()
	default:
		l.c = c
	}
}

// open dials the host and upgrades the connection to a link.
func (l *linker) open(ctx context.Context) (*link.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, linkDialTimeout)
	defer cancel()
	conn, err := l.dial(ctx, "tcp", l.addr)
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		_ = conn.Close()
		return nil, err
	}
	req := "GET " + LinkPath + " HTTP/1.1\r\nHost: " + l.host + "\r\nConnection: Upgrade\r\nUpgrade: " + linkProtocol + "\r\n\r\n"
	br := bufio.NewReaderSize(conn, 64<<10)
	var res *http.Response
	if _, err = conn.Write([]byte(req)); err == nil {
		res, err = http.ReadResponse(br, nil)
	}
	if err == nil && res.StatusCode != http.StatusSwitchingProtocols {
		err = fmt.Errorf("the host answered the link upgrade with %s", res.Status)
	}
	if err == nil {
		err = conn.SetDeadline(time.Time{})
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return link.NewClient(conn, br, maxMessageBytes), nil
}

// maxDrain bounds how long a link the host is closing may take to answer
// the calls it took.
const maxDrain = time.Minute

// closeAfter closes c once its connection has ended, or after d.
func closeAfter(c *link.Client, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.Done():
	case <-t.C:
	}
	_ = c.Close()
}

// close closes the link, if open, and keeps it closed.
func (l *linker) close() {
	l.mu.Lock()
	c := l.c
	l.c, l.closed = nil, true
	l.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// callHost makes a call over the client's link to its host, if it has
// one, and else over Connect (viaConnect).
func callHost[Req, Res any, PReq interface {
	*Req
	proto.Message
}, PRes interface {
	*Res
	proto.Message
}](ctx context.Context, c *Client, method uint8, req PReq, viaConnect func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) (PRes, error) {
	if c.link != nil {
		body, err := proto.Marshal(req)
		if err != nil {
			return nil, outcome.Errorf(outcome.Invalid, outcome.AppliedNo, "encode link request: %v", err)
		}
		// A call the host never received is made once more, on a new
		// link: the last one failed or was closed by the host.
		for range 2 {
			lc := c.link.client(ctx)
			if lc == nil {
				break
			}
			status, resp, err := lc.Call(ctx, method, body)
			if errors.Is(err, link.ErrNotSent) && ctx.Err() == nil {
				continue
			}
			return linkResult[Res, PRes](c, status, resp, err)
		}
	}
	res, err := viaConnect(ctx, connect.NewRequest((*Req)(req)))
	if err != nil {
		return nil, decodeError(err)
	}
	return PRes(res.Msg), nil
}

// linkResult decodes the outcome of a call over a link.
func linkResult[Res any, PRes interface {
	*Res
	proto.Message
}](c *Client, status uint8, body []byte, err error) (PRes, error) {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return nil, fmt.Errorf("call to host %d at %s: %w", c.id, c.url, err)
	case errors.Is(err, link.ErrNotSent):
		return nil, outcome.Errorf(outcome.Unavailable, outcome.AppliedNo, "host %d at %s: %w", c.id, c.url, err)
	case err != nil:
		return nil, outcome.Errorf(outcome.Unavailable, outcome.AppliedUnknown, "call to host %d at %s failed: %w", c.id, c.url, err)
	case status == linkError:
		he := new(hostv1.HostError)
		if err := proto.Unmarshal(body, he); err != nil {
			return nil, outcome.Errorf(outcome.Internal, outcome.AppliedUnknown, "host %d sent an undecodable error: %v", c.id, err)
		}
		return nil, withFuel(he)
	case status != linkOK:
		return nil, outcome.Errorf(outcome.Internal, outcome.AppliedUnknown, "host %d answered with unknown link status %d", c.id, status)
	}
	res := PRes(new(Res))
	if err := proto.Unmarshal(body, res); err != nil {
		return nil, outcome.Errorf(outcome.Internal, outcome.AppliedUnknown, "host %d sent an undecodable response: %v", c.id, err)
	}
	return res, nil
}
