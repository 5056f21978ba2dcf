package e2e

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// h2Conn is a raw HTTP/2 connection to the process, for attacks that no
// well-behaved client makes. A goroutine reads the server's frames.
type h2Conn struct {
	c  net.Conn
	mu sync.Mutex // guards fr's writes
	fr *http2.Framer

	state      sync.Mutex
	maxStreams uint32            // the server's SETTINGS_MAX_CONCURRENT_STREAMS
	ended      map[uint32]string // streams the server ended, and how
	goAway     *http2.GoAwayFrame
	done       chan struct{} // closed when the server closes the connection
}

func dialH2(t *testing.T, a *attacked) *h2Conn {
	t.Helper()
	c, err := net.Dial("tcp", a.hostPort)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	h := &h2Conn{c: c, fr: http2.NewFramer(c, c), ended: map[uint32]string{}, done: make(chan struct{})}
	if _, err := c.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	if err := h.fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	go h.read()
	return h
}

// read records the server's frames until the connection closes.
func (h *h2Conn) read() {
	defer close(h.done)
	for {
		f, err := h.fr.ReadFrame()
		if err != nil {
			return
		}
		h.state.Lock()
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if v, ok := f.Value(http2.SettingMaxConcurrentStreams); ok {
				h.maxStreams = v
			}
			if !f.IsAck() {
				h.mu.Lock()
				_ = h.fr.WriteSettingsAck()
				h.mu.Unlock()
			}
		case *http2.RSTStreamFrame:
			h.ended[f.StreamID] = f.ErrCode.String()
		case *http2.HeadersFrame:
			if f.StreamEnded() {
				h.ended[f.StreamID] = "answered"
			}
		case *http2.DataFrame:
			if f.StreamEnded() {
				h.ended[f.StreamID] = "answered"
			}
		case *http2.GoAwayFrame:
			h.goAway = f
		}
		h.state.Unlock()
	}
}

// open opens stream id with a request to path; the request's body never
// comes unless end is set.
func (h *h2Conn) open(id uint32, method, path string, end bool) error {
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{{":method", method}, {":scheme", "http"}, {":authority", "x"}, {":path", path}, {"content-type", "application/proto"}} {
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block.Bytes(), EndStream: end, EndHeaders: true})
}

// counts returns how the server ended the connection's streams.
func (h *h2Conn) counts() (ended map[string]int, goAway string) {
	h.state.Lock()
	defer h.state.Unlock()
	ended = map[string]int{}
	for _, how := range h.ended {
		ended[how]++
	}
	if h.goAway != nil {
		goAway = h.goAway.ErrCode.String()
	}
	return ended, goAway
}

// rapidReset opens streams and cancels each at once (CVE-2023-44487).
func rapidReset(t *testing.T, a *attacked) {
	n := sized(5000, 100000)
	h := dialH2(t, a)
	start := time.Now()
	sent := 0
	for i := range n {
		id := uint32(2*i + 1)
		if err := h.open(id, "GET", "/healthz", true); err != nil {
			break
		}
		h.mu.Lock()
		err := h.fr.WriteRSTStream(id, http2.ErrCodeCancel)
		h.mu.Unlock()
		if err != nil {
			break
		}
		sent++
	}
	ended, goAway := h.counts()
	t.Logf("rapid reset: sent %d of %d stream+reset pairs in %v; the server ended %v, GOAWAY %q",
		sent, n, time.Since(start).Round(time.Millisecond), ended, goAway)
}

// tooManyStreams opens more streams on one connection than the server
// allows, each a request whose body never comes, and checks that the
// server refuses the excess at once and ends the rest by its read timeout.
func tooManyStreams(t *testing.T, a *attacked) {
	n := sized(300, 1000)
	h := dialH2(t, a)
	start := time.Now()
	for i := range n {
		if err := h.open(uint32(2*i+1), "POST", synodv1connect.ModuleServiceUploadModuleProcedure, false); err != nil {
			t.Fatalf("open stream %d: %v", i, err)
		}
	}
	var refused time.Duration
	waitFor(t, time.Minute, func() bool {
		ended, _ := h.counts()
		total := 0
		for _, c := range ended {
			total += c
		}
		if refused == 0 && total >= n-100 {
			refused = time.Since(start)
		}
		return total == n
	})
	ended, goAway := h.counts()
	h.state.Lock()
	maxStreams := h.maxStreams
	h.state.Unlock()
	if maxStreams != 100 {
		t.Errorf("the server allows %d concurrent streams, want 100", maxStreams)
	}
	t.Logf("%d streams on one connection (the server allows %d): the excess ended after %v, all after %v: %v, GOAWAY %q",
		n, maxStreams, refused.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), ended, goAway)
}
