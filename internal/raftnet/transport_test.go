package raftnet

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4/config"
	pb "github.com/lni/dragonboat/v4/raftpb"
)

// receive waits for a value on ch.
func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received within 10 s")
	}
	panic("unreachable")
}

// sendBatchAndChunk sends a heartbeat and a full-sized snapshot chunk from
// one transport to another, and checks that both arrive intact.
func sendBatchAndChunk(t *testing.T, from, to *endpoint) {
	t.Helper()
	conn, err := from.GetConnection(t.Context(), to.addr)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close()
	if err := conn.SendMessageBatch(heartbeat()); err != nil {
		t.Fatalf("send batch: %v", err)
	}
	if got := receive(t, to.batches); got.Requests[0].Commit != 10 || got.SourceAddress != heartbeat().SourceAddress {
		t.Fatalf("received %+v, want %+v", got, heartbeat())
	}
	sc, err := from.GetSnapshotConnection(t.Context(), to.addr)
	if err != nil {
		t.Fatalf("connect for a snapshot: %v", err)
	}
	data := bytes.Repeat([]byte{0xAB}, snapshotChunkSize+4096)
	if err := sc.SendChunk(snapshotChunk(data)); err != nil {
		t.Fatalf("send chunk: %v", err)
	}
	if got := receive(t, to.chunks); !bytes.Equal(got.Data, data) || got.ReplicaID != 2 {
		t.Fatalf("received a chunk of %d bytes to replica %d, want %d bytes to 2", len(got.Data), got.ReplicaID, len(data))
	}
	sc.Close() // the poison and its acknowledgement
}

func TestSendAndReceive(t *testing.T) {
	t.Parallel()
	a := startEndpoint(t, config.NodeHostConfig{}, Config{})
	b := startEndpoint(t, config.NodeHostConfig{}, Config{})
	sendBatchAndChunk(t, a, b)
	sendBatchAndChunk(t, b, a)
}

// A peer that restarted while a connection to it idled gets the next
// batch on a new connection: the sender neither fails it (dragonboat
// would then drop it and refuse every message to the peer for a while)
// nor loses it.
func TestBatchAfterThePeerRestarted(t *testing.T) {
	t.Parallel()
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		batchAfterRestart(t, func() config.NodeHostConfig { return config.NodeHostConfig{} })
	})
	t.Run("tls", func(t *testing.T) {
		t.Parallel()
		ca := newTestCA(t)
		batchAfterRestart(t, func() config.NodeHostConfig { return ca.hostConfig(t) })
	})
}

// batchAfterRestart is TestBatchAfterThePeerRestarted with the hosts'
// configurations that nh returns.
func batchAfterRestart(t *testing.T, nh func() config.NodeHostConfig) {
	a := startEndpoint(t, nh(), Config{})
	b := startEndpoint(t, nh(), Config{})
	conn, err := a.GetConnection(t.Context(), b.addr)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close()
	if err := conn.SendMessageBatch(heartbeat()); err != nil {
		t.Fatalf("send batch: %v", err)
	}
	receive(t, b.batches)
	// The connection has idled as long as it must for a reset to be
	// answered with a new one.
	conn.(*connection).dialed = time.Now().Add(-redialAge)
	// The peer's process ends (its connections reset, as a host's
	// are: linger 0), and a new one listens on the same address.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	again := nh()
	again.RaftAddress = b.addr
	restarted := startEndpoint(t, again, Config{})
	for i := range 3 {
		if err := conn.SendMessageBatch(heartbeat()); err != nil {
			t.Fatalf("batch %d after the peer restarted: %v", i, err)
		}
		if got := receive(t, restarted.batches); got.Requests[0].Commit != 10 {
			t.Fatalf("restarted peer received %+v, want %+v", got, heartbeat())
		}
	}
}

// A peer that resets every connection at once (it refuses what comes on
// them, or holds its most) fails the batches: the sender does not take a
// new connection for each.
func TestBatchToAPeerThatResetsFails(t *testing.T) {
	t.Parallel()
	a := startEndpoint(t, config.NodeHostConfig{}, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	conn, err := a.GetConnection(t.Context(), ln.Addr().String())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close()
	// Reset, once the sender has set its connection up.
	c := receive(t, accepted)
	_ = c.(*net.TCPConn).SetLinger(0)
	_ = c.Close()
	for i := range 3 {
		if err := conn.SendMessageBatch(heartbeat()); err == nil {
			t.Fatalf("batch %d to a peer that reset the connection: sent", i)
		}
	}
	select {
	case c := <-accepted:
		_ = c.Close()
		t.Fatal("the sender dialled the peer again")
	default:
	}
}

// expectClosed checks that the peer closes conn within a few seconds,
// having sent nothing.
func expectClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(make([]byte, 1))
	var ne net.Error
	if n != 0 || (errors.As(err, &ne) && ne.Timeout()) || err == nil {
		t.Fatalf("connection still open after 5 s (read %d bytes, %v)", n, err)
	}
}

// TestHostileBytesCloseTheirConnection sends what a stranger or a broken
// peer might, one connection each, and checks that the transport closes
// each connection, hands nothing to dragonboat, logs each kind of
// refusal, and still serves a real peer afterwards.
func TestHostileBytesCloseTheirConnection(t *testing.T) {
	t.Parallel()
	e := startEndpoint(t, config.NodeHostConfig{}, Config{})
	toZero := heartbeat()
	toZero.Requests[0].To = 0
	noReplica := snapshotChunk([]byte("x"))
	noReplica.ReplicaID = 0
	for _, tt := range []struct {
		name  string
		bytes []byte
		rule  error
	}{
		{"size 2^62", frame(raftType, 1<<62, nil), errFrameTooLarge},
		{"chunk over the cap", frame(snapshotType, maxChunkFrame+1, nil), errFrameTooLarge},
		{"size 0", frame(raftType, 0, nil), errEmptyFrame},
		{"garbage header", append(magicNumber[:], bytes.Repeat([]byte{0xEE}, 64)...), errBadHeader},
		{"not the magic number", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), errBadMagic},
		{"payload checksum", append(frame(raftType, 4, []byte("abcd"))[:2+requestHeaderSize], "abce"...), errBadChecksum},
		{"not a batch", frame(raftType, 8, bytes.Repeat([]byte{0xFF}, 8)), errBadBatch},
		{"batch to replica 0", frame(raftType, uint64(toZero.Size()), marshal(t, &toZero)), errBadBatch},
		{"chunk to replica 0", frame(snapshotType, uint64(noReplica.Size()), marshal(t, &noReplica)), errBadChunk},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", e.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write(tt.bytes); err != nil {
				t.Fatal(err)
			}
			expectClosed(t, conn)
			waitFor(t, func() bool { return logged(e.log, tt.rule) })
		})
	}
	select {
	case b := <-e.batches:
		t.Fatalf("a hostile batch reached dragonboat: %+v", b)
	case c := <-e.chunks:
		t.Fatalf("a hostile chunk reached dragonboat: %+v", c)
	default:
	}
	peer := startEndpoint(t, config.NodeHostConfig{}, Config{})
	sendBatchAndChunk(t, peer, e)
}

// logged reports whether a refusal for rule was logged.
func logged(rec *recorder, rule error) bool {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, r := range rec.records {
		found := false
		r.Attrs(func(a slog.Attr) bool {
			if err, ok := a.Value.Any().(error); ok && a.Key == "err" && errors.Is(err, rule) {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConnectionLimits checks that the transport closes connections past
// MaxConns at once and idle or silent ones after IdleTimeout, and that a
// freed slot is used again.
func TestConnectionLimits(t *testing.T) {
	t.Parallel()
	e := startEndpoint(t, config.NodeHostConfig{}, Config{MaxConns: 2, IdleTimeout: 600 * time.Millisecond})
	// Two connections that have sent a frame hold both slots.
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", e.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		b := heartbeat()
		if _, err := c.Write(frame(raftType, uint64(b.Size()), marshal(t, &b))); err != nil {
			t.Fatal(err)
		}
		receive(t, e.batches)
		held = append(held, c)
	}
	extra, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	start := time.Now()
	expectClosed(t, extra)
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Fatalf("a connection past MaxConns was closed after %v, want at once", d)
	}
	// The held ones go idle and are closed after IdleTimeout.
	for _, c := range held {
		expectClosed(t, c)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("idle connections were closed after %v, before IdleTimeout", d)
	}
	// So is a connection that never sends.
	silent, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	start = time.Now()
	expectClosed(t, silent)
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Fatalf("a silent connection was closed after %v, before IdleTimeout", d)
	}
	peer := startEndpoint(t, config.NodeHostConfig{}, Config{})
	sendBatchAndChunk(t, peer, e)
}

// TestHandlerPanicIsRecovered has dragonboat's handler panic, as nodehost
// does on a message it cannot take, and checks that only that connection
// ends.
func TestHandlerPanicIsRecovered(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	f, err := NewFactory(Config{Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	calls := make(chan struct{}, 4)
	tr := f.Create(config.NodeHostConfig{RaftAddress: "127.0.0.1:0"},
		func(pb.MessageBatch) { calls <- struct{}{}; panic("to field not set") },
		func(pb.Chunk) bool { return true })
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	addr := tr.(*transport).lns[0].Addr().String()
	for range 2 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		b := heartbeat()
		if _, err := conn.Write(frame(raftType, uint64(b.Size()), marshal(t, &b))); err != nil {
			t.Fatal(err)
		}
		receive(t, calls)
		expectClosed(t, conn)
		conn.Close()
	}
	if n := rec.count(slog.LevelError, "raft transport recovered from a panic on a connection; closed it"); n != 1 {
		t.Fatalf("logged %d panics of 2 within a minute, want 1", n)
	}
}
