package raftnet

import (
	"errors"
	"log/slog"
	"net"
	"time"
)

// The accept loop's back-off after an error.
const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// backoff is the pause after a failed accept: minAcceptBackoff, doubling
// up to maxAcceptBackoff while failures continue, reset by a success.
type backoff struct{ cur time.Duration }

// next returns the pause after one more failure.
func (b *backoff) next() time.Duration {
	b.cur = min(max(2*b.cur, minAcceptBackoff), maxAcceptBackoff)
	return b.cur
}

// reset ends an episode of failures, reporting whether one was under way.
func (b *backoff) reset() bool {
	was := b.cur != 0
	b.cur = 0
	return was
}

// acceptLoop accepts connections from ln and hands each to handle, which
// must not block, until ln is closed or stop is closed. Any other error
// (EMFILE when the process is out of file descriptors, ENOBUFS,
// ECONNABORTED, ...) is an episode: it is logged once when it starts and
// once when accepting works again, and the loop pauses, backing off,
// between attempts. Dragonboat's loop panics instead.
func acceptLoop(ln net.Listener, stop <-chan struct{}, log *slog.Logger, handle func(net.Conn)) {
	var (
		b        backoff
		failures int
		since    time.Time
	)
	for {
		conn, err := ln.Accept()
		if err == nil {
			if b.reset() {
				log.Info("raft listener accepting again", "addr", ln.Addr(), "failed_accepts", failures, "after", time.Since(since).Round(time.Millisecond))
				failures = 0
			}
			handle(conn)
			continue
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if failures == 0 {
			since = time.Now()
			log.Error("raft listener cannot accept; retrying with back-off", "addr", ln.Addr(), "err", err)
		}
		failures++
		t := time.NewTimer(b.next())
		select {
		case <-stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
}
