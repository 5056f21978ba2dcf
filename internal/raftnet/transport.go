// Copyright 2017-2019 Lei Ni (nilei81@gmail.com) and other contributors.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.
//
// Adapted by the Synod authors from dragonboat v4's
// internal/transport/tcp.go (v4.0.0-20250723143628-076c7f6497dc): Start,
// serveConn and the connection getters keep dragonboat's behaviour on the
// wire; the listener, the connection limits, the TLS handshake on the
// connection's goroutine, the screening of what is received and the
// recovery from a handler's panic are new.

package raftnet

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lni/dragonboat/v4/config"
	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"
)

// Name is the transport's name, as dragonboat reports it.
const Name = "synod-raftnet"

// Config sets the limits of a transport's listener. Zero values take the
// defaults documented on each field.
type Config struct {
	// MaxConns is how many inbound connections the transport holds at
	// once; one more is closed as soon as it is accepted. Default 1024:
	// each peer host opens a few (dragonboat's StreamConnections, 4, and
	// one per snapshot being sent).
	MaxConns int
	// IdleTimeout closes an inbound connection that has brought no frame
	// for this long, counting from its accept; default 2 min. Dragonboat's
	// senders close theirs after 1 min without messages, and a live shard
	// heartbeats every few tens of milliseconds. The first frame gets no
	// shorter a wait: a sender that streams a snapshot connects before the
	// state machine has written its first chunk.
	IdleTimeout time.Duration
	// HandshakeTimeout bounds an inbound TLS handshake; default 5 s. The
	// handshake runs on the connection's goroutine, so a slow client
	// holds only its own connection.
	HandshakeTimeout time.Duration
	// Logger receives the transport's logs; default slog.Default().
	Logger *slog.Logger
	// Arriving, if set, is called with the shard of every message and
	// snapshot chunk received, before dragonboat is handed it, on the
	// connection's goroutine: the host notes the shard's activity there,
	// and starts its replica if it hibernates, so that the message finds
	// it running.
	Arriving func(shardID uint64)
}

func (c Config) withDefaults() Config {
	if c.MaxConns == 0 {
		c.MaxConns = 1024
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 2 * time.Minute
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports the first field that is wrong.
func (c Config) Validate() error {
	switch {
	case c.MaxConns < 0:
		return fmt.Errorf("raftnet config: MaxConns (%d) must not be negative", c.MaxConns)
	case c.IdleTimeout < 0:
		return fmt.Errorf("raftnet config: IdleTimeout (%v) must not be negative", c.IdleTimeout)
	case c.HandshakeTimeout < 0:
		return fmt.Errorf("raftnet config: HandshakeTimeout (%v) must not be negative", c.HandshakeTimeout)
	}
	return nil
}

// Factory creates the transports of NodeHosts; set it as
// config.NodeHostConfig.Expert.TransportFactory. Dragonboat calls Create
// once per NodeHost, from NewNodeHost.
type Factory struct {
	cfg Config
	// deliver hands a message to the NodeHost of the transport Create
	// made last, as if its transport had received it.
	deliver atomic.Pointer[func(pb.Message)]
}

var _ config.TransportFactory = (*Factory)(nil)

// NewFactory returns a factory of transports with the limits of cfg.
func NewFactory(cfg Config) (*Factory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Factory{cfg: cfg.withDefaults()}, nil
}

// Create returns a transport for the NodeHost of nh, which hands what it
// receives to onBatch and onChunk.
func (f *Factory) Create(nh config.NodeHostConfig, onBatch raftio.MessageHandler, onChunk raftio.ChunkHandler) raftio.ITransport {
	log := f.cfg.Logger.With("component", "raftnet", "raft_addr", nh.RaftAddress)
	deliver := func(m pb.Message) {
		onBatch(pb.MessageBatch{
			DeploymentId: nh.GetDeploymentID(), BinVer: raftio.TransportBinVersion,
			Requests: []pb.Message{m},
		})
	}
	f.deliver.Store(&deliver)
	return &transport{
		cfg:       f.cfg,
		nh:        nh,
		onBatch:   onBatch,
		onChunk:   onChunk,
		encrypted: nh.MutualTLS,
		log:       log,
		rep:       newReporter(log),
		stop:      make(chan struct{}),
		conns:     make(map[net.Conn]struct{}),
	}
}

// Step has dragonboat step the NodeHost's replica of a shard now, rather
// than at its next tick: it hands the replica a message that Raft
// ignores (a NoOP). Dragonboat steps a replica when a message comes for
// it or its clock ticks; a replica that has just started is not ready for
// the messages that come meanwhile, and handles them at the next step.
//
// Step does nothing before Create.
func (f *Factory) Step(shardID, replicaID uint64) {
	f.hand(pb.Message{Type: pb.NoOP, ShardID: shardID, From: replicaID, To: replicaID})
}

// hand gives m to the NodeHost, as if its transport had received it.
func (f *Factory) hand(m pb.Message) {
	if deliver := f.deliver.Load(); deliver != nil {
		(*deliver)(m)
	}
}

// Validate reports whether addr is a Raft address: host:port, as for
// dragonboat's own transport.
func (f *Factory) Validate(addr string) bool { return config.IsValidAddress(addr) }

// transport is a NodeHost's Raft transport.
type transport struct {
	cfg       Config
	nh        config.NodeHostConfig
	onBatch   raftio.MessageHandler
	onChunk   raftio.ChunkHandler
	encrypted bool
	serverTLS *tls.Config
	log       *slog.Logger
	rep       *reporter

	lns  []net.Listener
	stop chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // inbound, to close on Close
	closed bool
}

var _ raftio.ITransport = (*transport)(nil)

// Name returns [Name].
func (t *transport) Name() string { return Name }

// Start listens on the NodeHost's listen address and starts accepting.
func (t *transport) Start() error {
	tlsConfig, err := t.nh.GetServerTLSConfig()
	if err != nil {
		return fmt.Errorf("raft transport tls config: %w", err)
	}
	t.serverTLS = tlsConfig
	lns, err := listen(t.nh.GetListenAddress())
	if err != nil {
		return err
	}
	t.lns = lns
	for _, ln := range lns {
		t.wg.Go(func() { acceptLoop(ln, t.stop, t.log, t.admit) })
	}
	return nil
}

// Close stops accepting, closes every inbound connection and waits for
// their goroutines.
func (t *transport) Close() error {
	t.mu.Lock()
	if !t.closed {
		t.closed = true
		close(t.stop)
		for _, ln := range t.lns {
			_ = ln.Close()
		}
		for c := range t.conns {
			_ = c.Close()
		}
	}
	t.mu.Unlock()
	t.wg.Wait()
	return nil
}

// GetConnection returns a connection for sending message batches to
// target.
func (t *transport) GetConnection(ctx context.Context, target string) (raftio.IConnection, error) {
	conn, err := t.dial(ctx, target)
	if err != nil {
		return nil, err
	}
	redial := func() (net.Conn, error) { return t.dial(ctx, target) }
	return newConnection(conn, redial, t.encrypted), nil
}

// GetSnapshotConnection returns a connection for sending snapshot chunks
// to target.
func (t *transport) GetSnapshotConnection(ctx context.Context, target string) (raftio.ISnapshotConnection, error) {
	conn, err := t.dial(ctx, target)
	if err != nil {
		return nil, err
	}
	return newSnapshotConnection(conn, t.encrypted), nil
}

func (t *transport) dial(ctx context.Context, target string) (net.Conn, error) {
	tlsConfig, err := t.nh.GetClientTLSConfig(target)
	if err != nil {
		return nil, fmt.Errorf("raft transport tls config for %s: %w", target, err)
	}
	return dial(ctx, target, tlsConfig)
}

// listen listens on addr: on each IPv4 address of its host when that is
// a name, as dragonboat does, else on addr itself.
func listen(addr string) ([]net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("raft listen address %q: %w", addr, err)
	}
	targets := []string{addr}
	if host != "" && net.ParseIP(host) == nil {
		ips, err := net.LookupIP(host)
		if err != nil {
			return nil, fmt.Errorf("resolve raft listen address %q: %w", addr, err)
		}
		targets = nil
		seen := make(map[string]bool)
		for _, ip := range ips {
			if ip.To4() != nil && !seen[ip.String()] {
				seen[ip.String()] = true
				targets = append(targets, net.JoinHostPort(ip.String(), port))
			}
		}
		if len(targets) == 0 {
			return nil, fmt.Errorf("raft listen address %q has no IPv4 address", addr)
		}
	}
	var lns []net.Listener
	for _, a := range targets {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return nil, fmt.Errorf("raft listen on %s: %w", a, err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// admit takes an accepted connection: it closes it at once when the
// transport holds MaxConns already or is closed, and otherwise serves it
// on a goroutine of its own.
func (t *transport) admit(conn net.Conn) {
	t.mu.Lock()
	full := len(t.conns) >= t.cfg.MaxConns
	if t.closed || full {
		t.mu.Unlock()
		_ = conn.Close()
		if full {
			t.rep.report(slog.LevelWarn, "connection limit", "raft transport holds its most connections; closed a new one", "max_conns", t.cfg.MaxConns, "peer", conn.RemoteAddr())
		}
		return
	}
	t.conns[conn] = struct{}{}
	t.wg.Go(func() { t.serve(conn) })
	t.mu.Unlock()
}

// serve runs one inbound connection until it ends, recovering from a
// panic of what handles its frames.
func (t *transport) serve(conn net.Conn) {
	defer func() {
		// The slot is free before the peer sees the close, so a peer that
		// reconnects at once is not refused for a connection already gone.
		t.mu.Lock()
		delete(t.conns, conn)
		t.mu.Unlock()
		_ = conn.Close()
	}()
	defer func() {
		if r := recover(); r != nil {
			t.rep.report(slog.LevelError, "panic", "raft transport recovered from a panic on a connection; closed it", "peer", conn.RemoteAddr(), "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if err := t.serveFrames(conn); err != nil {
		t.reportRefusal(conn, err)
	}
}

// serveFrames handshakes (under TLS) and reads frames from conn, handing
// each to dragonboat, until the connection ends or breaks a rule.
func (t *transport) serveFrames(raw net.Conn) error {
	if err := setTCPConn(raw); err != nil {
		return fmt.Errorf("set options of raft connection: %w", err)
	}
	conn := raw
	if t.serverTLS != nil {
		tc := tls.Server(raw, t.serverTLS)
		ctx, cancel := context.WithTimeout(context.Background(), t.cfg.HandshakeTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			return fmt.Errorf("%w: %w", errHandshake, err)
		}
		conn = tc
	}
	conn = bufferedConn{conn, bufio.NewReaderSize(conn, frameReadBufSize)}
	magic := make([]byte, len(magicNumber))
	header := make([]byte, requestHeaderSize)
	var rbuf []byte
	for {
		if err := readMagicNumber(conn, magic, t.cfg.IdleTimeout); err != nil {
			if errors.Is(err, errPoison) {
				_ = sendPoison(conn, poisonNumber[:])
				return nil
			}
			return err
		}
		h, buf, err := readMessage(conn, header, rbuf, t.encrypted)
		if err != nil {
			return err
		}
		if cap(buf) <= payloadBufferSize {
			rbuf = buf[:0]
		}
		if err := t.deliver(h.method, buf); err != nil {
			return err
		}
	}
}

// frameReadBufSize is the buffer an inbound connection reads through, so
// that a small frame (a heartbeat, a replicate of a few commands, their
// answers) costs one read rather than one each for its magic number, its
// header and its payload.
const frameReadBufSize = 16 << 10

// bufferedConn is a connection read through a buffer; its deadlines are
// the connection's.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// errHandshake: an inbound TLS handshake failed or took too long.
var errHandshake = errors.New("raftnet: tls handshake")

// errChunkRejected: dragonboat's chunk receiver refused a chunk (an
// out-of-date or unexpected snapshot, or one for a removed replica), and
// the sender must start over.
var errChunkRejected = errors.New("raftnet: snapshot chunk rejected")

// deliver decodes a frame's payload, screens it and hands it to
// dragonboat.
func (t *transport) deliver(method uint16, buf []byte) error {
	switch method {
	case raftType:
		var batch pb.MessageBatch
		if err := batch.Unmarshal(buf); err != nil {
			return fmt.Errorf("%w: %w", errBadBatch, err)
		}
		if err := checkBatch(batch); err != nil {
			return err
		}
		if t.cfg.Arriving != nil {
			last := uint64(0)
			for i := range batch.Requests {
				if id := batch.Requests[i].ShardID; id != last {
					t.cfg.Arriving(id)
					last = id
				}
			}
		}
		t.onBatch(batch)
	case snapshotType:
		var chunk pb.Chunk
		if err := chunk.Unmarshal(buf); err != nil {
			return fmt.Errorf("%w: %w", errBadChunk, err)
		}
		if err := checkChunk(chunk); err != nil {
			return err
		}
		if t.cfg.Arriving != nil {
			t.cfg.Arriving(chunk.ShardID)
		}
		if !t.onChunk(chunk) {
			return fmt.Errorf("%w: shard %d, replica %d, index %d", errChunkRejected, chunk.ShardID, chunk.ReplicaID, chunk.Index)
		}
	}
	return nil
}

// refusals are the rules whose breach closes a connection and is
// reported, once per rule and minute.
var refusals = []error{
	errBadMagic, errBadHeader, errEmptyFrame, errFrameTooLarge, errBadChecksum,
	errBadBatch, errBadChunk, errHandshake, errChunkRejected,
}

// reportRefusal logs why a connection was closed, when it broke a rule;
// a peer that hangs up or falls silent is routine and not logged.
func (t *transport) reportRefusal(conn net.Conn, err error) {
	for _, rule := range refusals {
		if errors.Is(err, rule) {
			level := slog.LevelWarn
			if rule == errChunkRejected {
				level = slog.LevelInfo
			}
			t.rep.report(level, rule.Error(), "raft transport closed a connection", "peer", conn.RemoteAddr(), "err", err)
			return
		}
	}
}
