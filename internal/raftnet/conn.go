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
// internal/transport/tcp.go (v4.0.0-20250723143628-076c7f6497dc): the
// outbound connections write the same frames, each in one write rather
// than three, and dial once more when the peer had reset a connection
// that had lived a while; dialing honours its context and closes the
// socket when the TLS handshake fails, and marshalling returns errors
// rather than panicking.

package raftnet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"
)

// connection sends Raft message batches to one remote host.
type connection struct {
	conn net.Conn
	// redial connects to the remote host again.
	redial func() (net.Conn, error)
	// dialed is when conn was dialled.
	dialed time.Time
	// frame is the buffer batches are marshalled into, after the
	// frame's prefix.
	frame     []byte
	encrypted bool
}

var _ raftio.IConnection = (*connection)(nil)

func newConnection(conn net.Conn, redial func() (net.Conn, error), encrypted bool) *connection {
	return &connection{conn: conn, redial: redial, dialed: time.Now(), encrypted: encrypted}
}

// redialAge is how long a connection must have lived for a reset to be
// taken as the peer's restart, and answered with a new connection.
const redialAge = time.Second

// Close closes the connection.
func (c *connection) Close() { _ = c.conn.Close() }

// SendMessageBatch sends a Raft message batch.
func (c *connection) SendMessageBatch(batch pb.MessageBatch) error {
	// The buffer doubles as batches need, and is kept up to
	// perConnBufSize: most batches are heartbeats of some bytes.
	buf := c.frame
	if sz := framePrefixSize + batch.SizeUpperLimit(); len(buf) < sz {
		buf = make([]byte, max(sz, min(2*len(buf), perConnBufSize)))
		if sz <= perConnBufSize {
			c.frame = buf
		}
	}
	n, err := batch.MarshalTo(buf[framePrefixSize:])
	if err != nil {
		return fmt.Errorf("marshal message batch: %w", err)
	}
	frame := buf[:framePrefixSize+n]
	err = writeMessage(c.conn, raftType, frame, c.encrypted)
	if !droppedByPeer(err) || time.Since(c.dialed) < redialAge {
		return err
	}
	// The peer had reset the connection before this batch: it restarted,
	// or closed the connection as idle, while nothing was sent on it.
	// Dragonboat would drop the batch and trip its breaker for that
	// host, refusing every message to it for a while, and each
	// connection to the host (one per stream) would fail this way once,
	// losing a message. One new connection instead, and the batch goes
	// on it; a peer that is down fails the dial, and the batch, as
	// before. A connection younger than redialAge is not dialled again:
	// a peer that resets every connection (it refuses what comes on it,
	// or holds its most) fails each batch, and dragonboat backs off,
	// rather than taking a new connection a batch.
	conn, derr := c.redial()
	if derr != nil {
		return errors.Join(err, derr)
	}
	_ = c.conn.Close()
	c.conn, c.dialed = conn, time.Now()
	return writeMessage(c.conn, raftType, frame, c.encrypted)
}

// droppedByPeer reports whether a write failed because the peer had
// reset or closed the connection.
func droppedByPeer(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// snapshotConnection sends snapshot chunks to one remote host.
type snapshotConnection struct {
	conn      net.Conn
	encrypted bool
}

var _ raftio.ISnapshotConnection = (*snapshotConnection)(nil)

func newSnapshotConnection(conn net.Conn, encrypted bool) *snapshotConnection {
	return &snapshotConnection{conn: conn, encrypted: encrypted}
}

// Close tells the peer that the snapshot is done (the poison number),
// waits for its acknowledgement and closes the connection.
func (c *snapshotConnection) Close() {
	defer func() { _ = c.conn.Close() }()
	if err := sendPoison(c.conn, poisonNumber[:]); err != nil {
		return
	}
	waitPoisonAck(c.conn)
}

// SendChunk sends a snapshot chunk.
func (c *snapshotConnection) SendChunk(chunk pb.Chunk) error {
	buf := make([]byte, framePrefixSize+chunk.Size())
	n, err := chunk.MarshalTo(buf[framePrefixSize:])
	if err != nil {
		return fmt.Errorf("marshal snapshot chunk: %w", err)
	}
	return writeMessage(c.conn, snapshotType, buf[:framePrefixSize+n], c.encrypted)
}

// setTCPConn sets the options dragonboat sets on every Raft connection.
func setTCPConn(conn net.Conn) error {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return nil
	}
	if err := tc.SetLinger(0); err != nil {
		return err
	}
	if err := tc.SetKeepAlive(true); err != nil {
		return err
	}
	return tc.SetKeepAlivePeriod(keepAlivePeriod)
}

// dial connects to target, over TLS when the client config is not nil.
func dial(ctx context.Context, target string, tlsConfig *tls.Config) (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return nil, fmt.Errorf("dial raft peer %s: %w", target, err)
	}
	if err := setTCPConn(conn); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("set options of connection to %s: %w", target, err)
	}
	if tlsConfig == nil {
		return conn, nil
	}
	tc := tls.Client(conn, tlsConfig)
	hctx, cancel := context.WithTimeout(ctx, clientHandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("tls handshake with raft peer %s: %w", target, err)
	}
	return tc, nil
}
