package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
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
	refuse      func(Refusal, int) (uint8, []byte)
	maxBody     int
	maxInFlight int64
	idle        time.Duration
	log         func(msg string, args ...any)
	workers     *workers

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
	// Refuse answers a request the server does not run: one whose body
	// is over MaxBody (its bytes are read and dropped), or one that
	// arrives while its connection is at MaxInFlight or maxCalls (busy).
	// The client may send it again: it never ran.
	Refuse func(reason Refusal, length int) (status uint8, resp []byte)
}

// Refusal is why the server refused a request.
type Refusal int

const (
	// TooLarge: the request's body is over the server's limit.
	TooLarge Refusal = iota + 1
	// Busy: the connection has as many calls in flight as it may.
	Busy
)

// maxCalls bounds the calls one connection has in flight.
const maxCalls = 1024

// NewServer returns a server that runs each call with h.
func NewServer(h Handler, cfg ServerConfig) *Server {
	if cfg.Log == nil {
		cfg.Log = func(string, ...any) {}
	}
	if cfg.Refuse == nil {
		cfg.Refuse = func(Refusal, int) (uint8, []byte) { return 0, nil }
	}
	return &Server{
		handle: h, refuse: cfg.Refuse, maxBody: cfg.MaxBody, maxInFlight: max(cfg.MaxInFlight, int64(cfg.MaxBody)+callOverhead),
		idle: cfg.Idle, log: cfg.Log, workers: newWorkers(), conns: make(map[*serverConn]struct{}),
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

	mu   sync.Mutex
	used int64 // bytes of the budget in use
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
	defer s.workers.close()
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
		h, err := parseHeader(hdr[:], math.MaxUint32, kindRequest)
		if err != nil {
			return last, err
		}
		if h.id <= last {
			return last, fmt.Errorf("%w: request id %d after %d", errProtocol, h.id, last)
		}
		if err := sc.conn.SetReadDeadline(time.Now().Add(writeTimeout)); err != nil {
			return last, err
		}
		cost := int64(h.length) + callOverhead
		refusal := Refusal(0)
		switch {
		case int64(h.length) > int64(sc.s.maxBody):
			refusal = TooLarge
		case !sc.acquire(cost):
			refusal = Busy
		}
		if refusal != 0 {
			// Its body is read and dropped, never held.
			if _, err := io.CopyN(io.Discard, br, int64(h.length)); err != nil {
				return sc.ended(last, fmt.Errorf("read request body: %w", err))
			}
			last = h.id
			status, resp := sc.s.refuse(refusal, int(h.length))
			_ = sc.w.send(frame{h: header{length: uint32(len(resp)), id: h.id, kind: kindResponse, code: status}, body: resp})
			continue
		}
		body, err := readBody(br, h.length)
		if err != nil {
			sc.release(cost)
			return sc.ended(last, fmt.Errorf("read request body: %w", err))
		}
		last = h.id
		sc.calls.Add(1)
		sc.inFlight.Add(1)
		sc.s.workers.run(func() { sc.run(h, body, cost) })
	}
}

// ended is what readLoop returns when reading failed with err: nil if the
// server is shutting down, which cut the read short.
func (sc *serverConn) ended(last uint64, err error) (uint64, error) {
	if sc.stopping.Load() {
		return last, nil
	}
	return last, err
}

// readBody reads a body of n bytes, holding no more memory than the bytes
// that arrived.
func readBody(r io.Reader, n uint32) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err == nil && len(b) < int(n) {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

// run runs one call and queues its response.
func (sc *serverConn) run(h header, body []byte, cost int64) {
	defer sc.calls.Done()
	ctx := sc.ctx
	if h.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(h.timeout)*time.Microsecond)
		defer cancel()
	}
	status, resp := sc.s.handle(ctx, h.code, body)
	done := func() { sc.inFlight.Add(-1); sc.release(cost) }
	if int64(len(resp)) > math.MaxUint32 {
		done()
		sc.s.log("link response too large to send: connection closed", "bytes", len(resp))
		_ = sc.conn.Close()
		return
	}
	// The call counts against the connection until its response is
	// written (or the writer has stopped).
	if err := sc.w.send(frame{h: header{length: uint32(len(resp)), id: h.id, kind: kindResponse, code: status}, body: resp, written: done}); err != nil {
		done()
	}
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
	if err == nil {
		lingerClose(sc.conn)
		return
	}
	_ = sc.conn.Close()
}

// lingerTime bounds how long a closing connection waits for its client
// to close its side.
const lingerTime = 2 * time.Second

// lingerClose closes conn after its last frames: it shuts its writing
// side, then reads and drops what the client still sends until the
// client closes too, or lingerTime passes. Closing at once, with the
// client's requests unread, would reset the connection, and the kernel
// could drop the go-away and the last responses.
func lingerClose(conn net.Conn) {
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		if conn.SetReadDeadline(time.Now().Add(lingerTime)) == nil {
			_, _ = io.Copy(io.Discard, conn)
		}
	}
	_ = conn.Close()
}

// stop makes the connection read no further requests.
func (sc *serverConn) stop() {
	sc.stopping.Store(true)
	_ = sc.conn.SetReadDeadline(time.Now())
}

// acquire takes n bytes of the connection's budget and a call's place,
// if both are free: false if the connection is busy.
func (sc *serverConn) acquire(n int64) bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.inFlight.Load() >= maxCalls || (sc.used > 0 && sc.used+n > sc.s.maxInFlight) {
		return false
	}
	sc.used += n
	return true
}

// release gives back n bytes of the budget.
func (sc *serverConn) release(n int64) {
	sc.mu.Lock()
	sc.used -= n
	sc.mu.Unlock()
}
