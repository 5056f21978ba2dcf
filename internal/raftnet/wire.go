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
// frame format and buffer sizes are unchanged; a frame is written in one
// write, under the payload's timeout; reading a frame now checks its size
// before allocating, grows the buffer of a large frame as its bytes
// arrive, and reports why a frame is refused.

package raftnet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"slices"
	"time"
)

// A frame on the wire is the 2-byte magic number, an 18-byte header and
// the payload: a marshalled raftpb.MessageBatch or raftpb.Chunk. The header
// is the method (uint16), the payload size (uint64), the header's own
// CRC32 (uint32, computed with the field zeroed) and the payload's CRC32
// (uint32; 0 and unchecked under TLS), all big-endian.
const (
	requestHeaderSize        = 18
	raftType          uint16 = 100
	snapshotType      uint16 = 200
)

// Sizes that dragonboat fixes in its internal settings package, which
// cannot be imported; the values are those of the pinned version.
const (
	// maxMessageBatchSize is settings.MaxMessageBatchSize: a sender packs
	// messages into one batch until they reach it, and a replicate message
	// carries entries up to it (settings.Soft.MaxEntrySize).
	maxMessageBatchSize = 64 << 20
	// snapshotChunkSize is settings.SnapshotChunkSize, the data of one
	// snapshot chunk.
	snapshotChunkSize = 2 << 20
	// recvBufSize is settings.Soft.PerConnectionRecvBufSize: frames are
	// written and read in steps of this size, each under its own deadline.
	recvBufSize = 2 << 20
	// perConnBufSize is settings.Soft.PerConnectionSendBufSize, the
	// largest buffer an outbound connection keeps to marshal its batches
	// into.
	perConnBufSize = 2 << 20
	// payloadBufferSize is the largest buffer an inbound connection keeps
	// between frames; larger frames get their own.
	payloadBufferSize = snapshotChunkSize + 128<<10
	// minReadStep is the first step of reading a payload.
	minReadStep = 64 << 10
)

// The largest frames accepted. A batch is cut at maxMessageBatchSize but
// may end with one message of up to maxMessageBatchSize of entries (or a
// single larger entry; Synod's commands are 4 MiB at most, its module
// uploads ~21 MiB), so twice the batch size covers all dragonboat sends. A
// chunk is snapshotChunkSize of data plus a snapshot header, checksums,
// the membership and file names, which 1 MiB covers with room to spare.
const (
	maxBatchFrame = 2 * maxMessageBatchSize
	maxChunkFrame = snapshotChunkSize + 1<<20
)

// Dragonboat's timeouts, unchanged.
const (
	magicNumberDuration = 1 * time.Second
	headerDuration      = 2 * time.Second
	readDuration        = 5 * time.Second
	writeDuration       = 5 * time.Second
	keepAlivePeriod     = 10 * time.Second
	// dialTimeout is settings.Soft.GetConnectedTimeoutSecond.
	dialTimeout = 5 * time.Second
	// clientHandshakeTimeout bounds an outbound TLS handshake.
	clientHandshakeTimeout = 10 * time.Second
)

var (
	magicNumber  = [2]byte{0xAE, 0x7D}
	poisonNumber = [2]byte{0x0, 0x0}
)

// Why an inbound frame is refused. Each closes its connection.
var (
	// errBadMagic: the bytes before a header are not the magic number.
	errBadMagic = errors.New("raftnet: bad magic number")
	// errBadHeader: the header's checksum or method is wrong.
	errBadHeader = errors.New("raftnet: bad frame header")
	// errEmptyFrame: the header announces an empty payload.
	errEmptyFrame = errors.New("raftnet: empty frame")
	// errFrameTooLarge: the header announces a payload larger than
	// dragonboat sends ([maxBatchFrame], [maxChunkFrame]).
	errFrameTooLarge = errors.New("raftnet: frame too large")
	// errBadChecksum: the payload does not match its checksum.
	errBadChecksum = errors.New("raftnet: bad payload checksum")
	// errPoison: the peer closes a snapshot connection (not a fault).
	errPoison = errors.New("raftnet: poison received")
)

// requestHeader is a frame's header.
type requestHeader struct {
	size   uint64
	crc    uint32
	method uint16
}

func (h *requestHeader) encode(buf []byte) []byte {
	buf = buf[:requestHeaderSize]
	binary.BigEndian.PutUint16(buf, h.method)
	binary.BigEndian.PutUint64(buf[2:], h.size)
	binary.BigEndian.PutUint32(buf[10:], 0)
	binary.BigEndian.PutUint32(buf[14:], h.crc)
	binary.BigEndian.PutUint32(buf[10:], crc32.ChecksumIEEE(buf))
	return buf
}

// decodeHeader decodes and checks a header: its checksum, its method,
// and its payload size against the method's limit.
func decodeHeader(buf []byte) (requestHeader, error) {
	if len(buf) != requestHeaderSize {
		return requestHeader{}, errBadHeader
	}
	var zeroed [requestHeaderSize]byte
	copy(zeroed[:], buf)
	binary.BigEndian.PutUint32(zeroed[10:], 0)
	if crc32.ChecksumIEEE(zeroed[:]) != binary.BigEndian.Uint32(buf[10:]) {
		return requestHeader{}, fmt.Errorf("%w: header checksum", errBadHeader)
	}
	h := requestHeader{
		method: binary.BigEndian.Uint16(buf),
		size:   binary.BigEndian.Uint64(buf[2:]),
		crc:    binary.BigEndian.Uint32(buf[14:]),
	}
	limit, ok := frameLimit(h.method)
	switch {
	case !ok:
		return requestHeader{}, fmt.Errorf("%w: method %d", errBadHeader, h.method)
	case h.size == 0:
		return requestHeader{}, errEmptyFrame
	case h.size > limit:
		return requestHeader{}, fmt.Errorf("%w: %d bytes, at most %d", errFrameTooLarge, h.size, limit)
	}
	return h, nil
}

// frameLimit returns the largest payload of a method, and whether the
// method exists.
func frameLimit(method uint16) (uint64, bool) {
	switch method {
	case raftType:
		return maxBatchFrame, true
	case snapshotType:
		return maxChunkFrame, true
	}
	return 0, false
}

func sendPoison(conn net.Conn, poison []byte) error {
	if err := conn.SetWriteDeadline(time.Now().Add(2 * magicNumberDuration)); err != nil {
		return err
	}
	_, err := conn.Write(poison)
	return err
}

func waitPoisonAck(conn net.Conn) {
	ack := make([]byte, len(poisonNumber))
	if err := conn.SetReadDeadline(time.Now().Add(keepAlivePeriod)); err != nil {
		return
	}
	_, _ = io.ReadFull(conn, ack)
}

// framePrefixSize is the bytes of a frame before its payload: the magic
// number and the header.
const framePrefixSize = len(magicNumber) + requestHeaderSize

// writeMessage writes one frame of method. frame is the payload after
// framePrefixSize bytes that writeMessage fills with the magic number and
// the header, so that a frame of up to recvBufSize goes out in one write:
// dragonboat wrote the magic number, the header and the payload apart, and
// with Nagle's algorithm off each became a segment of its own, which cost
// the sender a system call and the receiver a wake-up each.
func writeMessage(conn net.Conn, method uint16, frame []byte, encrypted bool) error {
	payload := frame[framePrefixSize:]
	header := requestHeader{method: method, size: uint64(len(payload))}
	if !encrypted {
		header.crc = crc32.ChecksumIEEE(payload)
	}
	copy(frame, magicNumber[:])
	header.encode(frame[len(magicNumber):framePrefixSize])
	for sent := 0; sent < len(frame); {
		n := min(len(frame)-sent, recvBufSize)
		if err := conn.SetWriteDeadline(time.Now().Add(writeDuration)); err != nil {
			return err
		}
		if _, err := conn.Write(frame[sent : sent+n]); err != nil {
			return err
		}
		sent += n
	}
	return nil
}

// readMessage reads one frame's header and payload, after its magic
// number. The payload is read into rbuf's backing array while it fits,
// and into one that grows as the payload's bytes arrive once it does not:
// each step reads at most as many bytes as have arrived (at least
// minReadStep, at most recvBufSize, each under readDuration), so a peer
// that announces a large frame and sends little costs little. The caller
// may keep the returned slice's array for the next frame.
func readMessage(conn net.Conn, header []byte, rbuf []byte, encrypted bool) (requestHeader, []byte, error) {
	if err := conn.SetReadDeadline(time.Now().Add(headerDuration)); err != nil {
		return requestHeader{}, nil, err
	}
	if _, err := io.ReadFull(conn, header); err != nil {
		return requestHeader{}, nil, err
	}
	rheader, err := decodeHeader(header)
	if err != nil {
		return requestHeader{}, nil, err
	}
	buf := rbuf[:0]
	for uint64(len(buf)) < rheader.size {
		n := int(min(rheader.size-uint64(len(buf)), recvBufSize, uint64(max(len(buf), minReadStep))))
		buf = slices.Grow(buf, n)
		if err := conn.SetReadDeadline(time.Now().Add(readDuration)); err != nil {
			return requestHeader{}, nil, err
		}
		if _, err := io.ReadFull(conn, buf[len(buf):len(buf)+n]); err != nil {
			return requestHeader{}, nil, err
		}
		buf = buf[:len(buf)+n]
	}
	if !encrypted && crc32.ChecksumIEEE(buf) != rheader.crc {
		return requestHeader{}, nil, errBadChecksum
	}
	return rheader, buf, nil
}

// readMagicNumber reads the magic number that starts a frame, waiting for
// it up to idle.
func readMagicNumber(conn net.Conn, magicNum []byte, idle time.Duration) error {
	if err := conn.SetReadDeadline(time.Now().Add(idle)); err != nil {
		return err
	}
	if _, err := io.ReadFull(conn, magicNum); err != nil {
		return err
	}
	if bytes.Equal(magicNum, poisonNumber[:]) {
		return errPoison
	}
	if !bytes.Equal(magicNum, magicNumber[:]) {
		return errBadMagic
	}
	return nil
}
