package link

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// serve starts a server with h on a loopback listener and returns its
// address; the server closes when the test ends.
func serve(t *testing.T, h Handler, cfg ServerConfig) (*Server, string) {
	t.Helper()
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.Idle == 0 {
		cfg.Idle = time.Minute
	}
	s := NewServer(h, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.ServeConn(c, nil)
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); s.Close() })
	return s, ln.Addr().String()
}

// dial returns a client of the server at addr, closed when the test ends.
func dial(t *testing.T, addr string) *Client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(conn, nil, 1<<20)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// echo answers with the method as status and the body reversed.
func echo(_ context.Context, method uint8, body []byte) (uint8, []byte) {
	out := make([]byte, len(body))
	for i, b := range body {
		out[len(body)-1-i] = b
	}
	return method, out
}

func TestConcurrentCallsGetTheirOwnResponses(t *testing.T) {
	_, addr := serve(t, echo, ServerConfig{MaxInFlight: 64 << 20})
	c := dial(t, addr)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Go(func() {
			body := fmt.Appendf(nil, "call %d %s", i, bytes.Repeat([]byte{'x'}, i*37))
			status, resp, err := c.Call(t.Context(), uint8(i%7), body)
			switch {
			case err != nil:
				errs <- err
			case status != uint8(i%7):
				errs <- fmt.Errorf("call %d: status %d", i, status)
			default:
				_, want := echo(nil, 0, body)
				if !bytes.Equal(resp, want) {
					errs <- fmt.Errorf("call %d: got another call's response", i)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRequestCarriesDeadline(t *testing.T) {
	got := make(chan time.Duration, 1)
	_, addr := serve(t, func(ctx context.Context, _ uint8, _ []byte) (uint8, []byte) {
		d, ok := ctx.Deadline()
		if !ok {
			got <- -1
		} else {
			got <- time.Until(d)
		}
		return 0, nil
	}, ServerConfig{})
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, _, err := c.Call(ctx, 1, nil); err != nil {
		t.Fatal(err)
	}
	if d := <-got; d < 20*time.Second || d > 30*time.Second {
		t.Errorf("handler's time limit %v, want about 30 s", d)
	}
	if _, _, err := c.Call(context.Background(), 1, nil); err != nil {
		t.Fatal(err)
	}
	if d := <-got; d != -1 {
		t.Errorf("a call without a deadline reached the handler with %v left", d)
	}
}

// TestEndedContextSendsNothing: a call whose context has already ended is
// not sent (the server would run it on a deadline already past), and says
// so, with its context's error.
func TestEndedContextSendsNothing(t *testing.T) {
	var calls atomic.Int64
	_, addr := serve(t, func(_ context.Context, m uint8, b []byte) (uint8, []byte) {
		calls.Add(1)
		return m, b
	}, ServerConfig{})
	c := dial(t, addr)
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := c.Call(ended, 1, []byte("late")); !errors.Is(err, ErrNotSent) || !errors.Is(err, context.Canceled) {
		t.Fatalf("call with an ended context: %v, want ErrNotSent and context.Canceled", err)
	}
	if status, resp, err := c.Call(t.Context(), 2, []byte("next")); err != nil || status != 2 || string(resp) != "next" {
		t.Fatalf("next call: %d %q %v", status, resp, err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("the server ran %d calls, want 1: the next one alone", n)
	}
}

func TestCallerGivingUpLeavesConnectionUsable(t *testing.T) {
	release := make(chan struct{})
	_, addr := serve(t, func(_ context.Context, m uint8, b []byte) (uint8, []byte) {
		if m == 1 {
			<-release
		}
		return m, b
	}, ServerConfig{})
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := c.Call(ctx, 1, []byte("slow")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow call: %v, want deadline exceeded", err)
	}
	close(release) // its late response is dropped
	status, resp, err := c.Call(t.Context(), 2, []byte("next"))
	if err != nil || status != 2 || string(resp) != "next" {
		t.Fatalf("next call: %d %q %v", status, resp, err)
	}
}

func TestShutdownAnswersCallsInFlightAndRefusesNewOnes(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	s, addr := serve(t, func(_ context.Context, m uint8, b []byte) (uint8, []byte) {
		if m == 1 {
			close(started)
			<-release
		}
		return m, b
	}, ServerConfig{})
	c := dial(t, addr)
	slow := make(chan error, 1)
	go func() {
		_, resp, err := c.Call(t.Context(), 1, []byte("in flight"))
		if err == nil && string(resp) != "in flight" {
			err = fmt.Errorf("response %q", resp)
		}
		slow <- err
	}()
	<-started
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(t.Context()) }()
	waitFor(t, "the go-away", func() bool { return !c.Usable() })
	if _, _, err := c.Call(t.Context(), 2, nil); !errors.Is(err, ErrNotSent) {
		t.Errorf("call after the go-away: %v, want ErrNotSent", err)
	}
	close(release)
	if err := <-slow; err != nil {
		t.Errorf("call in flight during shutdown: %v", err)
	}
	if err := <-shut; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// fakeServer serves the first connection to a loopback listener with
// serve, and returns the listener's address.
func fakeServer(t *testing.T, serve func(conn net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		serve(conn)
	}()
	return ln.Addr().String()
}

func TestLostConnectionLeavesCallInFlightUnknown(t *testing.T) {
	started := make(chan struct{})
	addr := fakeServer(t, func(conn net.Conn) {
		_, _ = io.ReadFull(conn, make([]byte, headerSize)) // the request arrived
		close(started)
	})
	c := dial(t, addr)
	_, _, err := c.Call(t.Context(), 1, nil)
	<-started
	if err == nil || errors.Is(err, ErrNotSent) {
		t.Fatalf("call whose connection was lost after sending: %v, want an error other than ErrNotSent", err)
	}
	if c.Usable() {
		t.Error("client usable after its connection was lost")
	}
	if _, _, err := c.Call(t.Context(), 1, nil); !errors.Is(err, ErrNotSent) {
		t.Errorf("call on a lost connection: %v, want ErrNotSent", err)
	}
}

func TestIdleConnectionGoesAway(t *testing.T) {
	_, addr := serve(t, echo, ServerConfig{Idle: 200 * time.Millisecond})
	c := dial(t, addr)
	if _, _, err := c.Call(t.Context(), 1, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the idle connection to close", func() bool { return !c.Usable() })
}

// refusedStatus is the status the tests' servers refuse with.
func refusedStatus(r Refusal, _ int) (uint8, []byte) { return 200 + uint8(r), []byte("refused") }

func TestBusyConnectionRefusesCallsItCannotHold(t *testing.T) {
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	_, addr := serve(t, func(_ context.Context, m uint8, b []byte) (uint8, []byte) {
		started <- struct{}{}
		<-release
		return m, b
	}, ServerConfig{MaxBody: 64 << 10, MaxInFlight: 1, Refuse: refusedStatus})
	c := dial(t, addr)
	first := make(chan error, 1)
	go func() {
		_, _, err := c.Call(t.Context(), 1, make([]byte, 60<<10))
		first <- err
	}()
	<-started // the first call holds the connection's whole budget
	status, _, err := c.Call(t.Context(), 1, make([]byte, 60<<10))
	if err != nil || status != 200+uint8(Busy) {
		t.Errorf("call past the budget: status %d, %v; want refused as busy", status, err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("first call: %v", err)
	}
	status, resp, err := c.Call(t.Context(), 3, []byte("after"))
	if err != nil || status != 3 || string(resp) != "after" {
		t.Errorf("call once the budget is free: %d %q %v", status, resp, err)
	}
}

func TestRequestOverTheLimitIsRefusedAlone(t *testing.T) {
	_, addr := serve(t, echo, ServerConfig{MaxBody: 1 << 10, Refuse: refusedStatus})
	c := dial(t, addr)
	status, _, err := c.Call(t.Context(), 1, make([]byte, 1<<10+1))
	if err != nil || status != 200+uint8(TooLarge) {
		t.Errorf("request over the limit: status %d, %v; want refused as too large", status, err)
	}
	status, resp, err := c.Call(t.Context(), 2, []byte("next"))
	if err != nil || status != 2 || string(resp) != "txen" {
		t.Errorf("call after it on the same connection: %d %q %v", status, resp, err)
	}
}

// rawConn dials the server and returns the connection to write frames on
// by hand.
func rawConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func TestServerEndsConnectionOnBrokenFrames(t *testing.T) {
	cases := map[string]func(h []byte){
		"response kind": func(h []byte) { h[12] = kindResponse },
		"unknown kind":  func(h []byte) { h[12] = 9 },
		"reserved bits": func(h []byte) { h[15] = 1 },
		"id zero":       func(h []byte) { binary.BigEndian.PutUint64(h[4:], 0) },
	}
	calls := 0
	var mu sync.Mutex
	_, addr := serve(t, func(_ context.Context, m uint8, b []byte) (uint8, []byte) {
		mu.Lock()
		calls++
		mu.Unlock()
		return m, b
	}, ServerConfig{})
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			conn := rawConn(t, addr)
			var h [headerSize]byte
			header{id: 1, kind: kindRequest, code: 1}.put(h[:])
			breakIt(h[:])
			if _, err := conn.Write(h[:]); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			if n, err := io.ReadFull(conn, make([]byte, 1)); n != 0 || err == nil {
				t.Fatalf("server answered a broken frame (%d bytes, %v)", n, err)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 0 {
		t.Errorf("the handler ran %d times for broken frames", calls)
	}
}

func TestClientEndsConnectionOnBrokenFrames(t *testing.T) {
	addr := fakeServer(t, func(conn net.Conn) {
		var h [headerSize]byte
		if _, err := io.ReadFull(conn, h[:]); err != nil {
			return
		}
		header{length: 1 << 30, id: 1, kind: kindResponse}.put(h[:]) // over the client's limit
		_, _ = conn.Write(h[:])
		_, _ = io.Copy(io.Discard, conn)
	})
	c := dial(t, addr)
	if _, _, err := c.Call(t.Context(), 1, nil); err == nil || !errors.Is(err, errProtocol) {
		t.Fatalf("call answered by an oversized frame: %v, want a protocol violation", err)
	}
}

// waitFor waits, generously, until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// FuzzServeConn gives the server whatever bytes a client might send: it
// must neither panic nor hang, and must end the connection when they
// end.
func FuzzServeConn(f *testing.F) {
	var ok [headerSize]byte
	header{length: 3, id: 1, kind: kindRequest, code: 1, timeout: 1000}.put(ok[:])
	f.Add(append(ok[:], "abc"...))
	f.Add(ok[:10])
	var big [headerSize]byte
	header{length: 1 << 31, id: 1, kind: kindRequest}.put(big[:])
	f.Add(big[:])
	f.Fuzz(func(t *testing.T, in []byte) {
		s := NewServer(echo, ServerConfig{MaxBody: 1 << 10, Idle: time.Minute})
		server, client := net.Pipe()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		done := make(chan struct{})
		go func() { s.ServeConn(server, nil); close(done) }()
		_, _ = client.Write(in)
		_ = client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the server did not end the connection after its client closed it")
		}
	})
}
