package raftnet

import (
	"log/slog"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	var b backoff
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000}
	for i, w := range want {
		if got := b.next(); got != w*time.Millisecond {
			t.Fatalf("pause %d: %v, want %v", i, got, w*time.Millisecond)
		}
	}
	if !b.reset() {
		t.Fatal("reset after failures reported no episode")
	}
	if b.reset() {
		t.Fatal("a second reset reported an episode")
	}
	if got := b.next(); got != minAcceptBackoff {
		t.Fatalf("first pause after a reset: %v, want %v", got, minAcceptBackoff)
	}
}

// scriptedListener returns, from Accept, the errors and connections of
// its script in turn, then net.ErrClosed.
type scriptedListener struct {
	script []any // error or net.Conn
	calls  []time.Time
}

func (l *scriptedListener) Accept() (net.Conn, error) {
	l.calls = append(l.calls, time.Now())
	if len(l.script) == 0 {
		return nil, net.ErrClosed
	}
	next := l.script[0]
	l.script = l.script[1:]
	if err, ok := next.(error); ok {
		return nil, err
	}
	return next.(net.Conn), nil
}

func (l *scriptedListener) Close() error   { return nil }
func (l *scriptedListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// acceptErr is an accept error as package net returns it.
func acceptErr(errno syscall.Errno) error {
	return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", errno)}
}

// TestAcceptLoopBacksOff feeds the loop two episodes of accept errors and
// checks that it survives both, pauses between attempts, and logs each
// episode twice: once as it starts, once as it ends.
func TestAcceptLoopBacksOff(t *testing.T) {
	t.Parallel()
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	ln := &scriptedListener{script: []any{
		acceptErr(syscall.EMFILE), acceptErr(syscall.EMFILE), acceptErr(syscall.ENFILE),
		acceptErr(syscall.EMFILE), acceptErr(syscall.EMFILE),
		c1,
		acceptErr(syscall.ECONNABORTED), acceptErr(syscall.ENOBUFS),
		c2,
	}}
	rec := &recorder{}
	var got []net.Conn
	start := time.Now()
	acceptLoop(ln, make(chan struct{}), slog.New(rec), func(c net.Conn) { got = append(got, c) })
	if len(got) != 2 || got[0] != c1 || got[1] != c2 {
		t.Fatalf("handled %d connections, want the 2 scripted", len(got))
	}
	// 5+10+20+40+80 ms after the first episode, 5+10 after the second.
	if elapsed := time.Since(start); elapsed < 170*time.Millisecond {
		t.Fatalf("7 failed accepts took %v; the loop did not back off", elapsed)
	}
	if n := rec.count(slog.LevelError, "raft listener cannot accept; retrying with back-off"); n != 2 {
		t.Fatalf("logged %d episode starts, want 2", n)
	}
	if n := rec.count(slog.LevelInfo, "raft listener accepting again"); n != 2 {
		t.Fatalf("logged %d episode ends, want 2", n)
	}
	if len(rec.records) != 4 {
		t.Fatalf("logged %d records, want 4", len(rec.records))
	}
}

// TestAcceptLoopStops checks that closing stop ends a loop that is
// backing off.
func TestAcceptLoopStops(t *testing.T) {
	t.Parallel()
	script := make([]any, 100)
	for i := range script {
		script[i] = acceptErr(syscall.EMFILE)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		acceptLoop(&scriptedListener{script: script}, stop, slog.New(&recorder{}), func(net.Conn) {})
	}()
	time.Sleep(50 * time.Millisecond)
	close(stop)
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the accept loop did not stop")
	}
}
