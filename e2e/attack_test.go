package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"

	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/server"
	"github.com/synodhq/synod/internal/testport"
	"github.com/synodhq/synod/internal/testtime"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// The process under attack runs with few file descriptors and short
// timeouts, so that each attack plays out in seconds.
const (
	attackFDs          = 512
	attackHeaderWait   = time.Second
	attackReadTimeout  = 3 * time.Second
	attackIdleTimeout  = 3 * time.Second
	attackMessageLimit = 20 << 20 // the default --max-request-bytes
)

// attacked is a `synod dev` process under attack.
type attacked struct {
	*devProcess
	hostPort string // the gateway's HOST:PORT
	token    string // the cluster's admin key: attacks on request bodies come from a tenant with a key
	dataDir  string
	stderr   *syncBuffer
}

// authHeader is the header line that presents the admin key.
func (a *attacked) authHeader() string { return "Authorization: Bearer " + a.token + "\r\n" }

// TestAttacksOnDevProcess runs the attacks of issue 10 against a real
// `synod dev` process whose file-descriptor limit is 512, one after the
// other, and after each checks that the process is up and serves
// /healthz and a real call. Sizes are small unless SYNOD_ATTACK_FULL is
// set (see [sized]); the figures are logged, not asserted.
func TestAttacksOnDevProcess(t *testing.T) {
	a := startAttacked(t)
	a.mustServe(t)
	tests := []struct {
		name   string
		attack func(t *testing.T, a *attacked)
	}{
		{name: "flood of idle keep-alive connections past the fd limit", attack: floodIdle},
		{name: "slowloris", attack: slowloris},
		{name: "slow bodies", attack: slowBodies},
		{name: "bare HTTP/2 connections", attack: bareHTTP2},
		{name: "gzip bomb", attack: gzipBomb},
		{name: "oversized body", attack: oversizedBody},
		{name: "HTTP/2 rapid reset", attack: rapidReset},
		{name: "too many HTTP/2 streams", attack: tooManyStreams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.stats(t)
			tt.attack(t, a)
			after := a.stats(t)
			t.Logf("process: %.2f CPU-s, RSS %d MiB (peak so far %d MiB), %d fds open",
				after.cpu-before.cpu, after.rss>>20, after.hwm>>20, after.fds)
			a.mustServe(t)
		})
	}
}

// sized returns the size of an attack: small enough by default that each
// takes seconds in CI, or the size issue 10 reported with
// SYNOD_ATTACK_FULL=1 (and not -short).
func sized(ci, full int) int {
	if os.Getenv("SYNOD_ATTACK_FULL") == "" || testing.Short() {
		return ci
	}
	return full
}

// startAttacked starts `synod dev` under prlimit with a low file-descriptor
// limit, soft and hard (Go raises its soft limit to the hard one).
func startAttacked(t *testing.T) *attacked {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) is needed to give the process a low file-descriptor limit")
	}
	return startDevProcess(t, []string{prlimit, fmt.Sprintf("--nofile=%d:%d", attackFDs, attackFDs)},
		"--read-header-timeout", attackHeaderWait.String(), "--read-timeout", attackReadTimeout.String(),
		"--idle-timeout", attackIdleTimeout.String())
}

// startDevProcess starts `synod dev` with one host and flags, under
// wrapper (a command and its arguments) unless it is empty.
func startDevProcess(t *testing.T, wrapper []string, flags ...string) *attacked {
	listen, dataDir := testport.Addr(t), t.TempDir()
	args := slices.Concat(wrapper, []string{synodBinary(t), "dev", "--data-dir", dataDir, "--listen", listen, "--hosts", "1"}, flags)
	cmd := exec.Command(args[0], args[1:]...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	p := runSynod(t, cmd, "serving on ")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("synod dev's log:\n%s", stderr.String())
		}
	})
	tok, err := server.ReadToken(filepath.Join(dataDir, server.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return &attacked{devProcess: p, hostPort: listen, token: tok.String(), dataDir: dataDir, stderr: stderr}
}

// procStats are what the process holds.
type procStats struct {
	cpu      float64 // seconds of user and system time
	rss, hwm int64   // resident bytes, now and at the peak
	anon     int64   // resident bytes not backed by a file (not the binary's pages)
	fds      int
}

// stats reads the process's figures from /proc, and fails if it is gone.
func (a *attacked) stats(t *testing.T) procStats {
	t.Helper()
	pid := a.cmd.Process.Pid
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("the process is gone: %v", err)
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	if f[0] == "Z" {
		t.Fatal("the process has exited")
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	s := procStats{cpu: (utime + stime) / 100} // USER_HZ is 100 on Linux
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for line := range strings.Lines(string(status)) {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
			s.rss = kb << 10
		}
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			s.hwm = kb << 10
		}
		if _, err := fmt.Sscanf(line, "RssAnon: %d kB", &kb); err == nil {
			s.anon = kb << 10
		}
	}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	s.fds = len(fds)
	return s
}

// mustServe checks, with a generous deadline, that the process answers
// /healthz and a real Connect call on fresh connections.
func (a *attacked) mustServe(t *testing.T) {
	t.Helper()
	a.stats(t)
	client := &http.Client{Timeout: 10 * time.Second, Transport: access.Bearer(a.token, &http.Transport{DisableKeepAlives: true})}
	modules := synodv1connect.NewModuleServiceClient(client, a.addr)
	var err error
	deadline := time.Now().Add(testtime.Scaled(60 * time.Second))
	for {
		if err = a.serveOnce(client, modules); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the process does not serve: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (a *attacked) serveOnce(client *http.Client, modules synodv1connect.ModuleServiceClient) error {
	res, err := client.Get(a.addr + "/healthz")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "ok\n" {
		return fmt.Errorf("healthz: %d %q", res.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = modules.ListModules(ctx, connect.NewRequest(&synodv1.ListModulesRequest{}))
	return err
}

// syncBuffer is a log destination for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// holdOpen opens n connections, sends open on each, then trickle every
// 200 ms (if not nil), until the server closes them all; it fails if any
// is still open after a minute, and returns how long the longest was held.
func (a *attacked) holdOpen(t *testing.T, n int, open string, trickle string) time.Duration {
	t.Helper()
	type held struct {
		c      net.Conn
		closed chan struct{}
	}
	conns := make([]held, n)
	start := time.Now()
	var longest atomic.Int64
	for i := range conns {
		c, err := net.Dial("tcp", a.hostPort)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		if _, err := io.WriteString(c, open); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		h := held{c: c, closed: make(chan struct{})}
		conns[i] = h
		go func() {
			_, _ = io.Copy(io.Discard, h.c)
			for d, m := int64(time.Since(start)), longest.Load(); d > m && !longest.CompareAndSwap(m, d); m = longest.Load() {
			}
			close(h.closed)
		}()
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for {
		open := 0
		for _, h := range conns {
			select {
			case <-h.closed:
				continue
			default:
			}
			open++
			if trickle != "" {
				_ = h.c.SetWriteDeadline(time.Now().Add(time.Second))
				_, _ = io.WriteString(h.c, trickle)
			}
		}
		if open == 0 {
			return time.Duration(longest.Load())
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%d of %d connections still open after a minute", open, n)
		}
	}
}

// floodIdle opens more connections than the process has file
// descriptors, each making one request and then holding its connection
// open, and checks that the process serves new clients meanwhile, never
// runs out of descriptors, and logs reaching its connection cap once.
func floodIdle(t *testing.T, a *attacked) {
	n := sized(2*attackFDs, 4*attackFDs)
	reached := strings.Count(a.stderr.String(), "connection cap reached")
	var served atomic.Int64
	most := 0
	conns := make([]net.Conn, 0, n)
	for i := range n {
		c, err := net.Dial("tcp", a.hostPort)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		t.Cleanup(func() { _ = c.Close() })
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		go func() {
			r := bufio.NewReader(c)
			if res, err := http.ReadResponse(r, nil); err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				served.Add(1)
			}
			_, _ = io.Copy(io.Discard, r) // hold until the server closes
		}()
		if i%64 == 0 {
			most = max(most, a.stats(t).fds)
		}
	}
	start := time.Now()
	a.mustServe(t)
	t.Logf("flood of %d keep-alive connections: a new client was served after %v; %d flood requests served so far; at most %d fds open (limit %d)",
		n, time.Since(start).Round(time.Millisecond), served.Load(), most, attackFDs)
	for _, c := range conns {
		_ = c.Close()
	}
	if got := strings.Count(a.stderr.String(), "connection cap reached") - reached; got != 1 {
		t.Errorf("reaching the connection cap was logged %d times, want once", got)
	}
	waitFor(t, 30*time.Second, func() bool { return strings.Contains(a.stderr.String(), "connection cap cleared") })
}

// slowloris trickles request headers and never finishes them.
func slowloris(t *testing.T, a *attacked) {
	n := sized(100, 1000)
	longest := a.holdOpen(t, n, "GET /healthz HTTP/1.1\r\nHost: x\r\n", "X-Slow: 1\r\n")
	t.Logf("slowloris: %d connections, all closed by the server, the last after %v (read-header-timeout %v)", n, longest.Round(time.Millisecond), attackHeaderWait)
}

// slowBodies sends request headers at once and the body a byte at a time.
func slowBodies(t *testing.T, a *attacked) {
	n := sized(100, 1000)
	head := "POST " + synodv1connect.ModuleServiceUploadModuleProcedure + " HTTP/1.1\r\nHost: x\r\n" + a.authHeader() + "Content-Type: application/proto\r\nContent-Length: 1048576\r\n\r\n"
	longest := a.holdOpen(t, n, head, "\x00")
	t.Logf("slow bodies: %d connections, all closed by the server, the last after %v (read-timeout %v)", n, longest.Round(time.Millisecond), attackReadTimeout)
}

// bareHTTP2 opens HTTP/2 connections and never makes a request.
func bareHTTP2(t *testing.T, a *attacked) {
	n := sized(100, 1000)
	longest := a.holdOpen(t, n, http2.ClientPreface+"\x00\x00\x00\x04\x00\x00\x00\x00\x00", "")
	t.Logf("bare HTTP/2: %d connections, all closed by the server, the last after %v (read-header-timeout %v)", n, longest.Round(time.Millisecond), attackHeaderWait)
}

// gzipBomb sends, four at once, a body that is small on the wire and
// huge decompressed, by Connect over HTTP/1.1 and by gRPC over HTTP/2, and
// checks that each is refused with resource_exhausted naming the limit.
func gzipBomb(t *testing.T, a *attacked) {
	mib := sized(64, 18<<10) // decompressed size
	bomb := gzipZeros(t, mib)
	tests := []struct {
		name string
		call func(t *testing.T) (code, msg string)
	}{
		{name: "connect", call: func(t *testing.T) (string, string) { return a.connectBomb(t, bomb) }},
		{name: "grpc", call: func(t *testing.T) (string, string) { return a.grpcBomb(t, bomb) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.stats(t)
			start := time.Now()
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					code, msg := tt.call(t)
					if code != "resource_exhausted" || !strings.Contains(msg, fmt.Sprintf("limit of %d bytes", attackMessageLimit)) {
						t.Errorf("a bomb got %s %q, want resource_exhausted naming the limit", code, msg)
					}
				})
			}
			wg.Wait()
			after := a.stats(t)
			t.Logf("4 bombs of %d KiB inflating to %d MiB each: refused in %v, %.2f CPU-s, RSS %d → %d MiB (peak %d MiB)",
				len(bomb)>>10, mib, time.Since(start).Round(time.Millisecond), after.cpu-before.cpu, before.rss>>20, after.rss>>20, after.hwm>>20)
		})
	}
}

// gzipZeros returns mib MiB of zeros gzipped: copies of one compressed MiB,
// since a gzip stream may hold several members.
func gzipZeros(t *testing.T, mib int) []byte {
	t.Helper()
	var member bytes.Buffer
	w, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if _, err := w.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(member.Bytes(), mib)
}

// connectBomb posts a gzipped body to UploadModule by the Connect
// protocol and returns the error's code and message.
func (a *attacked) connectBomb(t *testing.T, bomb []byte) (code, msg string) {
	req, _ := http.NewRequest(http.MethodPost, a.addr+synodv1connect.ModuleServiceUploadModuleProcedure, bytes.NewReader(bomb))
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/proto")
	req.Header.Set("Content-Encoding", "gzip")
	res, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Errorf("connect bomb: %v", err)
		return "", ""
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var e struct{ Code, Message string }
	_ = json.Unmarshal(body, &e)
	return e.Code, e.Message
}

// grpcBomb sends a gzipped message to UploadModule by gRPC over cleartext
// HTTP/2 and returns the status's code and message.
func (a *attacked) grpcBomb(t *testing.T, bomb []byte) (code, msg string) {
	env := make([]byte, 5, 5+len(bomb))
	env[0] = 1 // compressed
	binary.BigEndian.PutUint32(env[1:], uint32(len(bomb)))
	env = append(env, bomb...)
	req, _ := http.NewRequest(http.MethodPost, a.addr+synodv1connect.ModuleServiceUploadModuleProcedure, bytes.NewReader(env))
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("Grpc-Encoding", "gzip")
	req.Header.Set("Te", "trailers")
	res, err := h2cClient().Do(req)
	if err != nil {
		t.Errorf("grpc bomb: %v", err)
		return "", ""
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	status, message := res.Trailer.Get("Grpc-Status"), res.Trailer.Get("Grpc-Message")
	if status == "" { // a trailers-only response
		status, message = res.Header.Get("Grpc-Status"), res.Header.Get("Grpc-Message")
	}
	n, _ := strconv.Atoi(status)
	return connect.Code(n).String(), message
}

// socketBufferBytes is the most that the kernel may hold of one TCP
// stream between a writer and a reader that has stopped reading: the
// largest send buffer plus the largest receive buffer it may grow, from
// this machine's settings, and a megabyte for what is in flight.
func socketBufferBytes(t *testing.T) int64 {
	most := func(name string) int64 {
		b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
		if err != nil {
			t.Fatalf("reading the socket buffer sizes: %v", err)
		}
		f := strings.Fields(string(b))
		n, err := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err != nil {
			t.Fatalf("reading the socket buffer sizes: %s: %v", name, err)
		}
		return n
	}
	return most("tcp_wmem") + most("tcp_rmem") + 1<<20
}

// h2cClient speaks HTTP/2 without TLS.
func h2cClient() *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

// oversizedBody streams a body far over the limit, without declaring its
// length, and checks that the server stops reading it near the limit; and
// declares one as large, and checks that it is refused before a byte of it
// is sent.
func oversizedBody(t *testing.T, a *attacked) {
	total := int64(sized(256, 1024)) << 20
	c, err := net.Dial("tcp", a.hostPort)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	head := "POST " + synodv1connect.ModuleServiceUploadModuleProcedure + " HTTP/1.1\r\nHost: x\r\n" + a.authHeader() + "Content-Type: application/proto\r\nTransfer-Encoding: chunked\r\n\r\n"
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	chunk := append(fmt.Appendf(nil, "%x\r\n", 64<<10), make([]byte, 64<<10)...)
	chunk = append(chunk, "\r\n"...)
	start := time.Now()
	var sent int64
	for sent < total {
		_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if _, err := c.Write(chunk); err != nil {
			break
		}
		sent += 64 << 10
	}
	if sent >= total {
		t.Fatalf("the server read all of a %d MiB body", total>>20)
	}
	if slack := socketBufferBytes(t); sent > attackMessageLimit+slack {
		t.Errorf("the server read %d MiB of an oversized body, over the limit of %d MiB plus the %d MiB that socket buffers may hold", sent>>20, attackMessageLimit>>20, slack>>20)
	}
	t.Logf("streamed body of %d MiB: the client could send %d MiB before the server stopped reading, after %v", total>>20, sent>>20, time.Since(start).Round(time.Millisecond))

	// A declared length over the limit is refused unread.
	c2, err := net.Dial("tcp", a.hostPort)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	head = fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/proto\r\nContent-Length: %d\r\n\r\n", synodv1connect.ModuleServiceUploadModuleProcedure, a.authHeader(), total)
	if _, err := io.WriteString(c2, head); err != nil {
		t.Fatal(err)
	}
	_ = c2.SetReadDeadline(time.Now().Add(30 * time.Second))
	start = time.Now()
	res, err := http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil {
		t.Fatalf("no answer to a declared body of %d MiB before sending it: %v", total>>20, err)
	}
	body, _ := io.ReadAll(res.Body)
	var e struct{ Code, Message string }
	_ = json.Unmarshal(body, &e)
	if e.Code != "resource_exhausted" || !strings.Contains(e.Message, "limit of") {
		t.Errorf("a declared body of %d MiB got %d %s", total>>20, res.StatusCode, body)
	}
	t.Logf("declared body of %d MiB: refused after %v, before the client sent any of it", total>>20, time.Since(start).Round(time.Millisecond))
}
