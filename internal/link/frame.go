// Package link carries calls between two processes over one connection:
// many calls in flight at once, each a request frame and a response frame,
// and the frames that are ready whenever the connection is free written
// together in one write. The gateway reaches hosts through it (see
// package hostapi): an HTTP/1.1 request per call cost each side a system
// call per message, header parsing and goroutine hand-offs, and HTTP/2
// cost more.
//
// A frame is a 20-byte header and a body:
//
//	length  uint32  the body's length, at most the receiver's limit
//	id      uint64  the call's id, chosen by the client, rising
//	kind    uint8   1 request, 2 response, 3 go-away
//	code    uint8   a request's method, a response's status
//	zero    uint16  reserved, 0
//	timeout uint32  a request's time limit in microseconds (0: none)
//
// all big-endian. A go-away frame says that the server reads no more
// requests: it answers those up to its id, and the client sends the rest
// elsewhere. Neither side trusts the other's frames: a frame that breaks
// these rules, or whose body is over the limit, ends the connection.
package link

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// headerSize is the size of a frame's header.
const headerSize = 20

// The kinds of frame.
const (
	kindRequest  = 1
	kindResponse = 2
	kindGoAway   = 3
)

// maxTimeout is the longest time limit a request can carry.
const maxTimeout = time.Duration(1<<32-1) * time.Microsecond

// header is a frame's header.
type header struct {
	length  uint32
	id      uint64
	kind    uint8
	code    uint8
	timeout uint32 // microseconds
}

// put writes h into b, which holds headerSize bytes.
func (h header) put(b []byte) {
	binary.BigEndian.PutUint32(b[0:], h.length)
	binary.BigEndian.PutUint64(b[4:], h.id)
	b[12] = h.kind
	b[13] = h.code
	binary.BigEndian.PutUint16(b[14:], 0)
	binary.BigEndian.PutUint32(b[16:], h.timeout)
}

// errProtocol is the cause of every broken frame.
var errProtocol = errors.New("link protocol violation")

// parseHeader reads a header from b, which holds headerSize bytes, and
// checks it against the kinds the reader expects and its body limit.
func parseHeader(b []byte, maxBody int, kinds ...uint8) (header, error) {
	h := header{
		length:  binary.BigEndian.Uint32(b[0:]),
		id:      binary.BigEndian.Uint64(b[4:]),
		kind:    b[12],
		code:    b[13],
		timeout: binary.BigEndian.Uint32(b[16:]),
	}
	if r := binary.BigEndian.Uint16(b[14:]); r != 0 {
		return header{}, fmt.Errorf("%w: reserved field %d, want 0", errProtocol, r)
	}
	known := false
	for _, k := range kinds {
		known = known || h.kind == k
	}
	if !known {
		return header{}, fmt.Errorf("%w: frame of kind %d here", errProtocol, h.kind)
	}
	if int64(h.length) > int64(maxBody) {
		return header{}, fmt.Errorf("%w: frame body of %d bytes, over the limit of %d", errProtocol, h.length, maxBody)
	}
	return h, nil
}

// timeoutOf is the time limit a request carries for a deadline: 0 for
// none, at least a microsecond for one that has not passed, at most
// maxTimeout.
func timeoutOf(deadline time.Time, ok bool) uint32 {
	if !ok {
		return 0
	}
	d := time.Until(deadline)
	switch {
	case d < time.Microsecond:
		return 1
	case d > maxTimeout:
		return uint32(maxTimeout / time.Microsecond)
	}
	return uint32(d / time.Microsecond)
}
