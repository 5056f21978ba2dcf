package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Handler runs one call: a request's method and body, within ctx, which
// ends at the request's time limit or when its connection fails. It
// returns the response's status and body.
type Handler func(ctx context.Context, method uint8, body []byte) (status uint8, resp []byte)

// callOverhead is what a call in flight counts against its connection's
// budget beside its request body: its goroutine and response.
const callOverhead = 4 << 10

// Server serves calls on the connections given to it.
type Server struct {
	handle      Handler
	maxBody     int
	maxInFlight int64
	idle        time.Duration
	log         func(msg string, args ...any)

	mu      sync.Mutex
	conns   map[*serverConn]struct{}
	closing bool
	wg      sync.WaitGroup
}

// ServerConfig is what a Server serves with.
type ServerConfig struct {
	// MaxBody is the largest request body a connection may send.
	MaxBody int
	// MaxInFlight bounds the bytes of the requests a connection has in
	// flight, each counted with a few KiB of overhead; a connection at
	// the bound is read no further until calls finish. It is raised to
	// MaxBody plus the overhead if below.
	MaxInFlight int64
	// Idle closes a connection that has had no call for this long.
	Idle time.Duration
	// Log reports why a connection ended, unless it was closed
	// cleanly; nil for none.
	Log func(msg string, args ...any)
}

// NewServer returns a server that runs each call with h.
func NewServer(h Handler, cfg ServerConfig) *Server {
	if cfg.Log == nil {
		cfg.Log = func(string, ...any) {}
	}
	return &Server{
		handle: h, maxBody: cfg.MaxBody, maxInFlight: max(cfg.MaxInFlight, int64(cfg.MaxBody)+callOverhead),
		idle: cfg.Idle, log: cfg.Log, conns: make(map[*serverConn]struct{}),
	}
}

// serverConn is a connection the server serves.
type serverConn struct {
	s        *Server
	conn     net.Conn
	w        *writer
	ctx      context.Context // of its calls; cancelled when it ends
	cancel   context.CancelFunc
	calls    sync.WaitGroup
	inFlight atomic.Int64 // calls
	stopping atomic.Bool  // the server is shutting down

	mu    sync.Mutex
	freed sync.Cond
	used  int64 // bytes of the budget in use
}

// ServeConn serves calls on conn, whose first bytes may already be in
// br (nil: none), until the connection ends, the client stays idle too
// long, or the server shuts down. It owns conn.
func (s *Server) ServeConn(conn net.Conn, br *bufio.Reader) {
	if br == nil {
		br = bufio.NewReaderSize(conn, 64<<10)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sc := &serverConn{s: s, conn: conn, w: newWriter(conn), ctx: ctx, cancel: cancel}
	sc.freed.L = &sc.mu
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		sc.close(0, nil)
		return
	}
	s.conns[sc] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	last, err := sc.readLoop(br)
	sc.close(last, err)
	s.mu.Lock()
	delete(s.conns, sc)
	s.mu.Unlock()
}

// Shutdown stops reading requests on every connection, tells the clients
// which calls each will answer, waits for those until ctx ends, and
// closes the connections.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for sc := range s.conns {
		sc.stop()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for sc := range s.conns {
			sc.cancel()
			_ = sc.conn.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// Close closes every connection at once.
func (s *Server) Close() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
}

// errStopping ends a connection whose server is shutting down.
var errStopping = errors.New("server shutting down")

// readLoop reads requests and starts a call for each, until the
// connection ends; it returns the id of the last request it read, and
// nil if the connection should end with a go-away (idle, or shutting
// down) rather than at once.
func (sc *serverConn) readLoop(br *bufio.Reader) (last uint64, err error) {
	var hdr [headerSize]byte
	for {
		if sc.stopping.Load() {
			return last, nil
		}
		if err := sc.conn.SetReadDeadline(time.Now().Add(sc.s.idle)); err != nil {
			return last, err
		}
		if sc.stopping.Load() { // stop may have come before the deadline was set
			return last, nil
		}
		if n, err := io.ReadFull(br, hdr[:]); err != nil {
			var ne net.Error
			switch {
			case sc.stopping.Load():
				return last, nil
			case errors.As(err, &ne) && ne.Timeout() && n == 0:
				if sc.inFlight.Load() == 0 {
					return last, nil // idle
				}
				continue // calls still running: not idle
			}
			return last, err
		}
		h, err := parseHeader(hdr[:], sc.s.maxBody, kindRequest)
		if err != nil {
			return last, err
		}
		if h.id <= last {
			return last, fmt.Errorf("%w: request id %d after %d", errProtocol, h.id, last)
		}
		cost := int64(h.length) + callOverhead
		if !sc.acquire(cost) {
			return last, nil
		}
		body := make([]byte, h.length)
		if err := sc.conn.SetReadDeadline(time.Now().Add(writeTimeout)); err != nil {
			return last, err
		}
		if _, err := io.ReadFull(br, body); err != nil {
			sc.release(cost)
			return last, fmt.Errorf("read request body: %w", err)
		}
		last = h.id
		sc.calls.Add(1)
		sc.inFlight.Add(1)
		go sc.run(h, body, cost)
	}
}

// run runs one call and queues its response.
func (sc *serverConn) run(h header, body []byte, cost int64) {
	defer sc.calls.Done()
	defer sc.inFlight.Add(-1)
	defer sc.release(cost)
	ctx := sc.ctx
	if h.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(h.timeout)*time.Microsecond)
		defer cancel()
	}
	status, resp := sc.s.handle(ctx, h.code, body)
	if int64(len(resp)) > 1<<32-1 {
		sc.s.log("link response too large to send: connection closed", "bytes", len(resp))
		_ = sc.conn.Close()
		return
	}
	_ = sc.w.send(frame{h: header{length: uint32(len(resp)), id: h.id, kind: kindResponse, code: status}, body: resp})
}

// close ends the connection: on a clean end (err nil), after a go-away
// naming the last request read and once every call has answered; else at
// once, cancelling the calls.
func (sc *serverConn) close(last uint64, err error) {
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
			sc.s.log("link connection ended", "remote", sc.conn.RemoteAddr().String(), "err", err)
		}
		sc.cancel()
	} else {
		_ = sc.w.send(frame{h: header{id: last, kind: kindGoAway}})
	}
	sc.calls.Wait()
	sc.cancel()
	sc.w.stop(errStopping)
	_ = sc.conn.Close()
}

// stop makes the connection read no further requests.
func (sc *serverConn) stop() {
	sc.stopping.Store(true)
	_ = sc.conn.SetReadDeadline(time.Now())
	sc.mu.Lock()
	sc.freed.Broadcast()
	sc.mu.Unlock()
}

// acquire takes n bytes of the connection's budget, waiting for calls to
// free them; false if the server began shutting down meanwhile.
func (sc *serverConn) acquire(n int64) bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for sc.used > 0 && sc.used+n > sc.s.maxInFlight {
		if sc.stopping.Load() {
			return false
		}
		sc.freed.Wait()
	}
	sc.used += n
	return true
}

// release gives back n bytes of the budget.
func (sc *serverConn) release(n int64) {
	sc.mu.Lock()
	sc.used -= n
	sc.freed.Broadcast()
	sc.mu.Unlock()
}
