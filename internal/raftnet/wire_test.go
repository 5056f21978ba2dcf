package raftnet

import (
	"bytes"
	"errors"
	"io"
	"math"
	"net"
	"runtime"
	"slices"
	"testing"
)

func TestDecodeHeader(t *testing.T) {
	t.Parallel()
	corrupt := (&requestHeader{method: raftType, size: 10}).encode(make([]byte, requestHeaderSize))
	corrupt[5] ^= 0xff
	for _, tt := range []struct {
		name   string
		header []byte
		want   error
	}{
		{"batch", (&requestHeader{method: raftType, size: 100}).encode(make([]byte, requestHeaderSize)), nil},
		{"largest batch", (&requestHeader{method: raftType, size: maxBatchFrame}).encode(make([]byte, requestHeaderSize)), nil},
		{"largest chunk", (&requestHeader{method: snapshotType, size: maxChunkFrame}).encode(make([]byte, requestHeaderSize)), nil},
		{"size 0", (&requestHeader{method: raftType, size: 0}).encode(make([]byte, requestHeaderSize)), errEmptyFrame},
		{"size 2^62", (&requestHeader{method: raftType, size: 1 << 62}).encode(make([]byte, requestHeaderSize)), errFrameTooLarge},
		{"size 2^64-1", (&requestHeader{method: snapshotType, size: math.MaxUint64}).encode(make([]byte, requestHeaderSize)), errFrameTooLarge},
		{"batch over the cap", (&requestHeader{method: raftType, size: maxBatchFrame + 1}).encode(make([]byte, requestHeaderSize)), errFrameTooLarge},
		{"chunk over the cap", (&requestHeader{method: snapshotType, size: maxChunkFrame + 1}).encode(make([]byte, requestHeaderSize)), errFrameTooLarge},
		{"unknown method", (&requestHeader{method: 300, size: 10}).encode(make([]byte, requestHeaderSize)), errBadHeader},
		{"header checksum", corrupt, errBadHeader},
		{"garbage", bytes.Repeat([]byte{0x5a}, requestHeaderSize), errBadHeader},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeHeader(tt.header)
			if !errors.Is(err, tt.want) {
				t.Fatalf("decodeHeader: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestFrameRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		size      int
		encrypted bool
	}{
		{"one byte", 1, false},
		{"fits the buffer", payloadBufferSize, false},
		{"larger than the buffer", 3*recvBufSize + 17, false},
		{"under tls", 1000, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			buf := make([]byte, framePrefixSize+tt.size)
			payload := buf[framePrefixSize:]
			for i := range payload {
				payload[i] = byte(i * 7)
			}
			payload = slices.Clone(payload)
			client, server := net.Pipe()
			defer client.Close()
			defer server.Close()
			go func() {
				_ = writeMessage(client, raftType, buf, tt.encrypted)
			}()
			magic := make([]byte, 2)
			if err := readMagicNumber(server, magic, magicNumberDuration); err != nil {
				t.Fatalf("read magic: %v", err)
			}
			h, got, err := readMessage(server, make([]byte, requestHeaderSize), make([]byte, 0, payloadBufferSize), tt.encrypted)
			if err != nil {
				t.Fatalf("read message: %v", err)
			}
			if h.method != raftType || !bytes.Equal(got, payload) {
				t.Fatalf("read method %d and %d bytes, want %d and %d equal bytes", h.method, len(got), raftType, len(payload))
			}
		})
	}
}

func TestBadPayloadChecksum(t *testing.T) {
	t.Parallel()
	client, server := net.Pipe()
	defer server.Close()
	f := frame(raftType, 4, []byte("abcd"))
	f[len(f)-1] = 'x'
	go func() { _, _ = client.Write(f); client.Close() }()
	if err := readMagicNumber(server, make([]byte, 2), magicNumberDuration); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readMessage(server, make([]byte, requestHeaderSize), nil, false); !errors.Is(err, errBadChecksum) {
		t.Fatalf("read message: %v, want %v", err, errBadChecksum)
	}
}

// TestLargeFrameCostsWhatArrives announces the largest frame and sends
// a little of it: the reader must allocate about what arrived, not what
// was announced.
func TestLargeFrameCostsWhatArrives(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	const sent = 300 << 10
	go func() {
		_, _ = client.Write(frame(raftType, maxBatchFrame, make([]byte, sent)))
		client.Close()
	}()
	if err := readMagicNumber(server, make([]byte, 2), magicNumberDuration); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := readMessage(server, make([]byte, requestHeaderSize), nil, false)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		t.Fatalf("read a cut frame: %v, want EOF", err)
	}
	// The buffer doubles as bytes arrive, each step copying what came
	// before, so the total is a small multiple of what arrived.
	if got := after.TotalAlloc - before.TotalAlloc; got > 10*sent {
		t.Fatalf("reading %d bytes of a %d-byte frame allocated %d bytes", sent, maxBatchFrame, got)
	}
}

// writeCounter is a connection that records the size of each write.
type writeCounter struct {
	net.Conn
	writes []int
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	return w.Conn.Write(p)
}

// TestFrameWrites checks that a frame goes out in one write while it fits
// recvBufSize, and in writes of at most recvBufSize when it does not.
func TestFrameWrites(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		payload int
		writes  int
	}{
		{"heartbeat size", 40, 1},
		{"just fits", recvBufSize - framePrefixSize, 1},
		{"one byte over", recvBufSize - framePrefixSize + 1, 2},
		{"several steps", 3*recvBufSize + 17, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, server := net.Pipe()
			defer server.Close()
			go func() { _, _ = io.Copy(io.Discard, server) }()
			w := &writeCounter{Conn: client}
			if err := writeMessage(w, raftType, make([]byte, framePrefixSize+tt.payload), false); err != nil {
				t.Fatal(err)
			}
			client.Close()
			total := 0
			for _, n := range w.writes {
				if n > recvBufSize {
					t.Errorf("a write of %d bytes, more than %d", n, recvBufSize)
				}
				total += n
			}
			if len(w.writes) != tt.writes || total != framePrefixSize+tt.payload {
				t.Fatalf("a frame of %d bytes went out in writes of %v, want %d writes", framePrefixSize+tt.payload, w.writes, tt.writes)
			}
		})
	}
}
