package gateway

import (
	"log/slog"
	"sync"
	"time"
)

// sampledInterval is how often a sampled warning is logged at most.
const sampledInterval = 10 * time.Second

// sampled logs a warning that callers can repeat at will (a bad API key,
// a catalogue that cannot be read) at most once per sampledInterval,
// saying how many were left out since the last line.
type sampled struct {
	msg string

	mu      sync.Mutex
	last    time.Time
	skipped int
}

func (s *sampled) warn(log *slog.Logger, args ...any) {
	s.mu.Lock()
	if time.Since(s.last) < sampledInterval {
		s.skipped++
		s.mu.Unlock()
		return
	}
	skipped := s.skipped
	s.last, s.skipped = time.Now(), 0
	s.mu.Unlock()
	log.Warn(s.msg, append(args, "like this since the last line", skipped)...)
}
