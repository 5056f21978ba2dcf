package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// ErrNotSent says that a call never reached the server: it may be made
// again, on another connection, whatever it does.
var ErrNotSent = errors.New("call not sent")

// Client makes calls over one connection. Its methods are safe for
// concurrent use. Once the connection fails or the server goes away,
// every call fails, and the owner dials a new Client (see [Client.Usable]).
type Client struct {
	conn    net.Conn
	w       *writer
	maxBody int

	mu      sync.Mutex
	next    uint64           // the id of the next call
	pending map[uint64]*call // calls awaiting their response
	err     error            // why the connection ended, once it has
	goneAt  uint64           // set by a go-away: ids above it are not answered
	gone    bool

	done chan struct{} // closed when the connection has ended
}

// call is a call awaiting its response.
type call struct {
	done chan struct{}
	code uint8
	body []byte
	err  error
}

// NewClient makes calls over conn, whose bytes the server's frames may
// already have begun in br (nil: none), and accepts response bodies of up
// to maxBody bytes. The client owns conn from now on.
func NewClient(conn net.Conn, br *bufio.Reader, maxBody int) *Client {
	if br == nil {
		br = bufio.NewReaderSize(conn, 64<<10)
	}
	c := &Client{conn: conn, w: newWriter(conn), maxBody: maxBody, next: 1, pending: make(map[uint64]*call), done: make(chan struct{})}
	go c.readLoop(br)
	return c
}

// Usable reports whether new calls may be made on the client: its
// connection works and the server has not gone away.
func (c *Client) Usable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err == nil && !c.gone
}

// Done is closed once the connection has ended: after a go-away, when
// the server has answered every call it took and closed it.
func (c *Client) Done() <-chan struct{} { return c.done }

// Close ends the connection; calls in flight fail.
func (c *Client) Close() error {
	c.fail(errors.New("link closed"))
	<-c.done
	return nil
}

// Call sends a request of the given method and body, and waits for its
// response's status and body, within ctx, whose deadline the request
// carries. An error wrapping [ErrNotSent] means the server never received
// it; any other error but ctx's leaves it unknown whether the server ran
// it.
func (c *Client) Call(ctx context.Context, method uint8, body []byte) (uint8, []byte, error) {
	if int64(len(body)) > 1<<32-1 {
		return 0, nil, fmt.Errorf("a request of %d bytes: %w", len(body), ErrNotSent)
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	deadline, hasDeadline := ctx.Deadline()
	cl := &call{done: make(chan struct{})}
	c.mu.Lock()
	if c.err != nil || c.gone {
		err := c.err
		if err == nil {
			err = errors.New("server went away")
		}
		c.mu.Unlock()
		return 0, nil, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	id := c.next
	c.next++
	c.pending[id] = cl
	// Queued under c.mu, so that ids reach the connection in order.
	err := c.w.send(frame{h: header{length: uint32(len(body)), id: id, kind: kindRequest, code: method, timeout: timeoutOf(deadline, hasDeadline)}, body: body})
	c.mu.Unlock()
	if err != nil {
		c.fail(err)
		<-cl.done
		return 0, nil, cl.err
	}
	select {
	case <-cl.done:
		return cl.code, cl.body, cl.err
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return 0, nil, ctx.Err()
	}
}

// fail ends the connection with err and fails every pending call: with
// [ErrNotSent] those whose request was never written, or was written
// after the last one a go-away promised to answer.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	pending := c.pending
	c.pending = make(map[uint64]*call)
	gone, goneAt := c.gone, c.goneAt
	c.mu.Unlock()
	_ = c.conn.Close()
	c.w.stop(err)
	started := c.w.startedID()
	for id, cl := range pending {
		switch {
		case id > started || (gone && id > goneAt):
			cl.err = fmt.Errorf("%w: %w", ErrNotSent, err)
		default:
			cl.err = fmt.Errorf("connection lost with the call in flight: %w", err)
		}
		close(cl.done)
	}
}

// readLoop reads the server's frames until the connection ends.
func (c *Client) readLoop(br *bufio.Reader) {
	defer close(c.done)
	var hdr [headerSize]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			c.fail(fmt.Errorf("read from server: %w", err))
			return
		}
		h, err := parseHeader(hdr[:], c.maxBody, kindResponse, kindGoAway)
		if err != nil {
			c.fail(err)
			return
		}
		if h.kind == kindGoAway {
			c.goAway(h.id)
			continue
		}
		body, err := readBody(br, h.length)
		if err != nil {
			c.fail(fmt.Errorf("read from server: %w", err))
			return
		}
		c.mu.Lock()
		cl, ok := c.pending[h.id]
		delete(c.pending, h.id)
		c.mu.Unlock()
		if ok { // else its caller gave up waiting
			cl.code, cl.body = h.code, body
			close(cl.done)
		}
	}
}

// goAway records that the server answers no call after last, and fails
// those at once.
func (c *Client) goAway(last uint64) {
	c.mu.Lock()
	c.gone, c.goneAt = true, last
	var refused []*call
	for id, cl := range c.pending {
		if id > last {
			refused = append(refused, cl)
			delete(c.pending, id)
		}
	}
	c.mu.Unlock()
	for _, cl := range refused {
		cl.err = fmt.Errorf("%w: the server went away", ErrNotSent)
		close(cl.done)
	}
}
