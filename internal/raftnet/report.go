package raftnet

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// reportEvery is how often one condition is logged at most.
const reportEvery = time.Minute

// reporter logs conditions that a peer, or many, can cause over and over
// (a refused frame, a recovered panic, the connection cap), once per
// condition and [reportEvery], with the number of times it was not
// logged in between. It is safe for concurrent use.
type reporter struct {
	log *slog.Logger
	now func() time.Time

	mu   sync.Mutex
	seen map[string]*reported
}

type reported struct {
	at         time.Time
	suppressed int
}

func newReporter(log *slog.Logger) *reporter {
	return &reporter{log: log, now: time.Now, seen: make(map[string]*reported)}
}

// report logs msg with args at level, unless condition was logged less
// than reportEvery ago. It returns whether it logged.
func (r *reporter) report(level slog.Level, condition, msg string, args ...any) bool {
	now := r.now()
	r.mu.Lock()
	s := r.seen[condition]
	if s != nil && now.Sub(s.at) < reportEvery {
		s.suppressed++
		r.mu.Unlock()
		return false
	}
	suppressed := 0
	if s != nil {
		suppressed = s.suppressed
	}
	r.seen[condition] = &reported{at: now}
	r.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "not_logged_since_last", suppressed)
	}
	r.log.Log(context.Background(), level, msg, args...)
	return true
}
