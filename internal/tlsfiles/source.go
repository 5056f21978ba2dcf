package tlsfiles

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// recheck is how often, at most, a source reads its files again.
const recheck = time.Second

// source is a value parsed from files, parsed again when their bytes
// change. Its get is called on handshakes, from any goroutine.
type source[T any] struct {
	what  string // names the value in logs
	files []string
	parse func(contents [][]byte) (T, error)
	log   *slog.Logger

	mu      sync.Mutex
	val     T
	loaded  [][]byte  // the bytes val was parsed from
	failed  [][]byte  // bytes that did not parse, so that each is reported once
	lastErr string    // the last read error reported, likewise
	checked time.Time // when the files were last read
}

// newSource loads the value, failing if the files do not read or parse.
func newSource[T any](what string, files []string, parse func([][]byte) (T, error), log *slog.Logger) (*source[T], error) {
	b, err := readAll(files)
	if err != nil {
		return nil, err
	}
	v, err := parse(b)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &source[T]{what: what, files: files, parse: parse, log: log, val: v, loaded: b, checked: time.Now()}, nil
}

// get returns the current value, first reloading it if a second has
// passed since the last check and the files changed. A change that does
// not load is logged, and the previous value kept.
func (s *source[T]) get() T {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.checked) < recheck {
		return s.val
	}
	s.checked = time.Now()
	b, err := readAll(s.files)
	if err != nil {
		if msg := err.Error(); msg != s.lastErr {
			s.lastErr = msg
			s.log.Warn("tls: keeping the loaded "+s.what, "err", err)
		}
		return s.val
	}
	s.lastErr = ""
	if sameFiles(b, s.loaded) || sameFiles(b, s.failed) {
		return s.val
	}
	v, err := s.parse(b)
	if err != nil {
		s.failed = b
		s.log.Warn("tls: keeping the loaded "+s.what, "err", err)
		return s.val
	}
	s.val, s.loaded, s.failed = v, b, nil
	s.log.Info("tls: reloaded the "+s.what, "files", s.files)
	return s.val
}

func readAll(files []string) ([][]byte, error) {
	out := make([][]byte, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		out[i] = b
	}
	return out, nil
}

func sameFiles(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
