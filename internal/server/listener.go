package server

import (
	"container/list"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// capListener holds at most a fixed number of connections open at once.
// Further connections wait in the kernel's accept queue, costing the
// process no file descriptor, until one closes.
//
// Reaching the cap is logged once, and so is leaving it (once no
// connection has waited for [capQuiet]), not once per waiting connection.
// While at the cap, each connection that waits closes the longest-idle
// keep-alive connection, or else the next to become idle, so that clients
// with requests to make are not kept out by ones that merely hold a
// connection open.
//
// Every connection must start its first request within firstRequest of
// being accepted, or it is closed: HTTP/1.1's ReadHeaderTimeout does the
// same, but HTTP/2 has no such rule, and a client that sends the HTTP/2
// preface and nothing more would otherwise hold its slot until the idle
// timeout.
type capListener struct {
	net.Listener
	slots        chan struct{}
	firstRequest time.Duration
	log          *slog.Logger
	done         chan struct{}
	closeOnce    sync.Once

	quiet time.Duration // how long without a wait clears the cap

	mu       sync.Mutex
	full     bool      // at the cap, and not yet cleared
	waiting  bool      // Accept waits for a slot
	since    time.Time // when the cap was reached
	lastWait time.Time // when a connection last had to wait
	waited   int       // connections that waited since
	idle     list.List // of *capConn: keep-alive connections between requests, longest idle first
}

// capQuiet is how long a listener at its cap must go without a connection
// waiting for a slot before the cap is logged as cleared.
const capQuiet = 5 * time.Second

func newCapListener(ln net.Listener, maxConns int, firstRequest time.Duration, log *slog.Logger) *capListener {
	return &capListener{
		Listener:     ln,
		slots:        make(chan struct{}, maxConns),
		firstRequest: firstRequest,
		log:          log,
		done:         make(chan struct{}),
		quiet:        capQuiet,
	}
}

// Accept waits for a free slot, then accepts a connection.
func (l *capListener) Accept() (net.Conn, error) {
	if !l.acquire() {
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		l.release()
		return nil, err
	}
	cc := &capConn{Conn: c, l: l}
	cc.deadline = time.AfterFunc(l.firstRequest, cc.expire)
	return cc, nil
}

// Close closes the listener and ends a wait for a slot.
func (l *capListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// acquire takes a slot, waiting for one if need be; false if the listener
// closed meanwhile.
func (l *capListener) acquire() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
	}
	l.atCap()
	defer l.doneWaiting()
	select {
	case l.slots <- struct{}{}:
		return true
	case <-l.done:
		return false
	}
}

// atCap records a connection that waits for a slot and frees one held by
// an idle connection.
func (l *capListener) atCap() {
	l.mu.Lock()
	now := time.Now()
	l.waiting, l.lastWait = true, now
	if !l.full {
		l.full, l.since, l.waited = true, now, 0
		l.log.Warn("connection cap reached: new connections wait until one closes",
			"addr", l.Addr().String(), "max_conns", cap(l.slots))
		time.AfterFunc(l.quiet, l.maybeCleared)
	}
	l.waited++
	var oldest *capConn
	if e := l.idle.Front(); e != nil {
		oldest = e.Value.(*capConn)
		l.notIdle(oldest)
	}
	l.mu.Unlock()
	if oldest != nil {
		_ = oldest.Close()
	}
}

// doneWaiting records that Accept no longer waits.
func (l *capListener) doneWaiting() {
	l.mu.Lock()
	l.waiting, l.lastWait = false, time.Now()
	l.mu.Unlock()
}

// maybeCleared logs that the cap cleared if no connection has waited for
// a quiet period, and otherwise checks again when one will have passed.
func (l *capListener) maybeCleared() {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.done:
		return
	default:
	}
	if wait := l.quiet - time.Since(l.lastWait); l.waiting || wait > 0 {
		time.AfterFunc(max(wait, l.quiet/10), l.maybeCleared)
		return
	}
	l.full = false
	l.log.Warn("connection cap cleared", "addr", l.Addr().String(), "max_conns", cap(l.slots),
		"held_for", l.lastWait.Sub(l.since).Round(time.Millisecond), "connections_waited", l.waited)
}

// release frees a slot.
func (l *capListener) release() { <-l.slots }

// connState tracks which connections are idle, and closes one that
// becomes idle while a new connection waits for a slot; it is the server's
// ConnState hook.
func (l *capListener) connState(c net.Conn, state http.ConnState) {
	cc, ok := asCapConn(c)
	if !ok {
		return
	}
	l.mu.Lock()
	idle := state == http.StateIdle && cc.started.Load()
	evict := idle && l.waiting
	if idle && !evict {
		if cc.idleAt == nil {
			cc.idleAt = l.idle.PushBack(cc)
		}
	} else {
		l.notIdle(cc)
	}
	l.mu.Unlock()
	if evict {
		_ = cc.Close()
	}
}

// notIdle takes c off the idle list; l.mu must be held.
func (l *capListener) notIdle(c *capConn) {
	if c.idleAt != nil {
		l.idle.Remove(c.idleAt)
		c.idleAt = nil
	}
}

// capConn is a connection that holds a slot of its listener until closed.
type capConn struct {
	net.Conn
	l         *capListener
	deadline  *time.Timer   // closes the connection if no request starts in time
	started   atomic.Bool   // a request has started
	idleAt    *list.Element // its place in l.idle while idle; guarded by l.mu
	closeOnce sync.Once
}

// expire closes a connection on which no request started in time; the
// server then closes it through [capConn.Close].
func (c *capConn) expire() { _ = c.Conn.Close() }

// requestStarted stops the first-request deadline.
func (c *capConn) requestStarted() {
	if !c.started.Load() && c.started.CompareAndSwap(false, true) {
		c.deadline.Stop()
	}
}

// CloseWrite shuts down the writing side of a TCP connection, as the
// server does after a last response so that it reaches the client before
// the connection is reset.
func (c *capConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Close closes the connection and frees its slot.
func (c *capConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		c.deadline.Stop()
		c.l.mu.Lock()
		c.l.notIdle(c)
		c.l.mu.Unlock()
		c.l.release()
	})
	return err
}

// asCapConn returns the [capConn] under c, which may be a TLS connection
// over one.
func asCapConn(c net.Conn) (*capConn, bool) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	cc, ok := c.(*capConn)
	return cc, ok
}

// connKey is the context key of a request's [capConn].
type connKey struct{}

// withConn is the server's ConnContext hook: it gives each request its
// connection.
func withConn(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := asCapConn(c); ok {
		return context.WithValue(ctx, connKey{}, cc)
	}
	return ctx
}

// markStarted tells a request's connection that a request has started.
func markStarted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cc, ok := r.Context().Value(connKey{}).(*capConn); ok {
			cc.requestStarted()
		}
		h.ServeHTTP(w, r)
	})
}
