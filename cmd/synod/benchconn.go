package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"
)

// benchConn is one bench client's keep-alive HTTP/1.1 connection to the
// gateway, over which it makes Connect unary calls in binary protobuf one
// at a time, on the caller's goroutine. Go's HTTP client hands every
// request to a writer goroutine and every response back from a reader
// goroutine of the connection's: on a machine that the generator shares
// with the servers, as make bench-compare's does, those hand-offs cost
// the generator about three times the CPU a call of etcd's gRPC client,
// CPU the servers then lacked. What goes over the wire is the same.
type benchConn struct {
	target *url.URL
	tls    *tls.Config // nil for http://
	header []byte      // the request's header lines but Content-Length
	conn   net.Conn    // nil until dialled, and after a failure
	r      *bufio.Reader
	buf    []byte
}

// maxBenchResponse bounds a response body the bench reads.
const maxBenchResponse = 16 << 20

// newBenchConn returns a connection to target (the gateway's URL, whose
// path, without a trailing slash, goes before each procedure's) that
// sends token, if not empty, as each call's API key; tlsConfig is for
// https:// targets.
func newBenchConn(target *url.URL, tlsConfig *tls.Config, token string) *benchConn {
	h := "Host: " + target.Host + "\r\nContent-Type: application/proto\r\nConnect-Protocol-Version: 1\r\nUser-Agent: synod-bench\r\n"
	if token != "" {
		h += "Authorization: Bearer " + token + "\r\n"
	}
	if tlsConfig != nil {
		tlsConfig = tlsConfig.Clone()
		tlsConfig.NextProtos = []string{"http/1.1"}
		tlsConfig.ServerName = target.Hostname()
	}
	return &benchConn{target: target, tls: tlsConfig, header: []byte(h)}
}

// call calls procedure (such as /synod.v1.DataService/Propose) with req
// and decodes the answer into res. A Connect error is returned as
// "code: message".
func (c *benchConn) call(ctx context.Context, procedure string, req, res proto.Message) error {
	err := c.roundTrip(ctx, c.target.Path+procedure, req, res)
	if answered := (*benchCallError)(nil); err != nil && !errors.As(err, &answered) && c.conn != nil {
		c.conn.Close() // its state is unknown: the next call dials anew
		c.conn = nil
	}
	return err
}

// benchCallError is an error the server answered with.
type benchCallError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *benchCallError) Error() string { return e.Code + ": " + e.Message }

func (c *benchConn) roundTrip(ctx context.Context, procedure string, req, res proto.Message) error {
	if c.conn == nil {
		if err := c.dial(ctx); err != nil {
			return err
		}
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	if err := c.conn.SetDeadline(deadline); err != nil {
		return err
	}
	// A call ends when ctx does (the bench interrupted), as Go's client's
	// would: the connection's reads and writes fail at once.
	conn := c.conn
	defer context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })()
	b := append(c.buf[:0], "POST "...)
	b = append(append(b, procedure...), " HTTP/1.1\r\n"...)
	b = append(b, c.header...)
	size := proto.Size(req)
	b = append(strconv.AppendInt(append(b, "Content-Length: "...), int64(size), 10), "\r\n\r\n"...)
	b, err := proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(b, req) // sized just above
	if err != nil {
		return fmt.Errorf("encode %s: %w", procedure, err)
	}
	c.buf = b
	if _, err := c.conn.Write(b); err != nil {
		return fmt.Errorf("send %s: %w", procedure, err)
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return fmt.Errorf("read the answer to %s: %w", procedure, err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBenchResponse+1))
	resp.Body.Close()
	switch {
	case err != nil:
		return fmt.Errorf("read the answer to %s: %w", procedure, err)
	case len(body) > maxBenchResponse:
		return fmt.Errorf("the answer to %s is larger than %d bytes", procedure, maxBenchResponse)
	}
	if resp.Close {
		c.conn.Close()
		c.conn = nil
	}
	if resp.StatusCode != http.StatusOK {
		e := &benchCallError{}
		if json.Unmarshal(body, e) != nil || e.Code == "" {
			e.Code, e.Message = "unknown", fmt.Sprintf("HTTP %s: %.200q", resp.Status, body)
		}
		return e
	}
	if err := proto.Unmarshal(body, res); err != nil {
		return fmt.Errorf("decode the answer to %s: %w", procedure, err)
	}
	return nil
}

func (c *benchConn) dial(ctx context.Context) error {
	port := c.target.Port()
	switch {
	case port != "":
	case c.tls != nil:
		port = "443"
	default:
		port = "80"
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(c.target.Hostname(), port))
	if err != nil {
		return fmt.Errorf("dial %s: %w", c.target.Host, err)
	}
	if c.tls != nil {
		tc := tls.Client(conn, c.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("tls handshake with %s: %w", c.target.Host, err)
		}
		conn = tc
	}
	c.conn, c.r = conn, bufio.NewReaderSize(conn, 4<<10)
	return nil
}
