package server

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener counts the connections the server holds open.
type countingListener struct {
	net.Listener
	open, most atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	n := l.open.Add(1)
	for m := l.most.Load(); n > m && !l.most.CompareAndSwap(m, n); m = l.most.Load() {
	}
	return &countedConn{Conn: c, done: sync.OnceFunc(func() { l.open.Add(-1) })}, nil
}

type countedConn struct {
	net.Conn
	done func()
}

func (c *countedConn) Close() error {
	c.done()
	return c.Conn.Close()
}

// serveLimited serves a health handler on loopback with the limits, and
// returns its address and its listener's counts.
func serveLimited(t *testing.T, limits Limits) (string, *countingListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingListener{Listener: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		}
	})
	srv := ServeLimited(counted, mux, limits, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), counted
}

// TestConnectionFlood opens many more connections than the server may hold,
// sending nothing on them, and checks that it never holds more than its
// limit, drops the silent ones, and still serves a real request.
func TestConnectionFlood(t *testing.T) {
	t.Parallel()
	const maxConns, flood = 4, 40
	addr, counted := serveLimited(t, Limits{MaxConns: maxConns, ReadHeaderTimeout: 200 * time.Millisecond})
	for range flood {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("a request behind a flood of %d silent connections: %v", flood, err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if most := counted.most.Load(); most > maxConns {
		t.Errorf("the server held %d connections at once, over its limit of %d", most, maxConns)
	}
}

// h2Preface and h2EmptySettings open an HTTP/2 connection, as a client
// with nothing to ask would.
const (
	h2Preface       = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	h2EmptySettings = "\x00\x00\x00\x04\x00\x00\x00\x00\x00"
)

// TestSlowClientsAreDropped checks that a connection left idle after a
// request, one whose body never arrives, and an HTTP/2 one that never asks
// anything are closed by the server.
func TestSlowClientsAreDropped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		limits  Limits // the one limit that must close the connection
		request string
		reply   bool // a response comes before the close
	}{
		{name: "idle keep-alive", limits: Limits{IdleTimeout: 200 * time.Millisecond}, request: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", reply: true},
		{name: "body never sent", limits: Limits{ReadTimeout: 300 * time.Millisecond}, request: "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc"},
		{name: "bare HTTP/2", limits: Limits{ReadHeaderTimeout: 200 * time.Millisecond}, request: h2Preface + h2EmptySettings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr, _ := serveLimited(t, tt.limits)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write([]byte(tt.request)); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			r := bufio.NewReader(c)
			if tt.reply {
				res, err := http.ReadResponse(r, nil)
				if err != nil {
					t.Fatalf("read response: %v", err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
			}
			_, err = io.Copy(io.Discard, r)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("the server kept the connection open for 30 s")
			}
		})
	}
}

// syncBuffer is a log destination for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

// TestConnectionCapLoggedOnce floods a listener past its cap and checks
// that reaching the cap and clearing it are each logged once.
func TestConnectionCapLoggedOnce(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	capped := newCapListener(ln, 2, 100*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	capped.quiet = 200 * time.Millisecond
	srv := &http.Server{Handler: http.NotFoundHandler(), ConnState: capped.connState}
	go func() { _ = srv.Serve(capped) }()
	t.Cleanup(func() { _ = srv.Close() })
	for range 20 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	deadline := time.Now().Add(30 * time.Second)
	for logs.count("connection cap cleared") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the cap was not logged as cleared within 30 s; logs:\n%s", logs.buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := logs.count("connection cap reached"); n != 1 {
		t.Errorf("reaching the cap logged %d times, want once; logs:\n%s", n, logs.buf.String())
	}
	if !strings.Contains(logs.buf.String(), "connections_waited=") {
		t.Errorf("the clearing log does not say how many connections waited: %s", logs.buf.String())
	}
}

// TestIdleConnectionsYieldAtCap fills a listener's cap with idle
// keep-alive connections and checks that a new client is still served
// long before they would time out.
func TestIdleConnectionsYieldAtCap(t *testing.T) {
	t.Parallel()
	const maxConns = 3
	addr, counted := serveLimited(t, Limits{MaxConns: maxConns})
	for range maxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("a request behind %d idle keep-alive connections: %v", maxConns, err)
	}
	_ = res.Body.Close()
	if most := counted.most.Load(); most > maxConns {
		t.Errorf("the server held %d connections at once, over its limit of %d", most, maxConns)
	}
}

// TestOversizedBodyRefusedUnread declares a body far over the limit and
// checks that the refusal comes at once, without the server reading or
// waiting for the body.
func TestOversizedBodyRefusedUnread(t *testing.T) {
	t.Parallel()
	addr, _ := serveLimited(t, Limits{MaxRequestBytes: 1 << 20})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a declared body of 1 GiB (the read timeout is 2 min): %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "limit of 1048576 bytes") || !res.Close {
		t.Errorf("got %d %q (close %v), want 413 naming the limit, and the connection closed", res.StatusCode, body, res.Close)
	}
}

// TestBusyConnectionsYieldAtCapWhenIdle fills a listener's cap with
// connections in the middle of a request, queues a new client, then lets
// those requests finish: the connections, now idle, must make way for the
// new client long before they would time out.
func TestBusyConnectionsYieldAtCapWhenIdle(t *testing.T) {
	t.Parallel()
	const maxConns = 2
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var busy sync.WaitGroup
	busy.Add(maxConns)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /slow", func(http.ResponseWriter, *http.Request) { busy.Done(); <-release })
	capped := newCapListener(ln, maxConns, time.Minute, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := &http.Server{Handler: markStarted(mux), ConnContext: withConn, ConnState: capped.connState}
	go func() { _ = srv.Serve(capped) }()
	t.Cleanup(func() { _ = srv.Close() })
	addr := ln.Addr().String()
	for range maxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		if _, err := c.Write([]byte("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	busy.Wait()
	got := make(chan error, 1)
	go func() {
		client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		res, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			_ = res.Body.Close()
		}
		got <- err
	}()
	waiting := func() bool { capped.mu.Lock(); defer capped.mu.Unlock(); return capped.waiting }
	deadline := time.Now().Add(30 * time.Second)
	for !waiting() {
		if time.Now().After(deadline) {
			t.Fatal("the new client never waited for a slot")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if err := <-got; err != nil {
		t.Fatalf("a request queued behind %d busy connections that then went idle: %v", maxConns, err)
	}
}
