// Package raftlog sends dragonboat's logs to slog.
//
// Dragonboat logs through package-level loggers, so the destination is one
// per process: the logger of the host started last. Its levels are shifted
// down one step, as dragonboat is chatty: its info (elections, snapshots)
// becomes debug, its warnings info, and its errors warnings. A peer that
// cannot be reached is routine while hosts fail and restart, so the
// transport's errors become info.
package raftlog

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/lni/dragonboat/v4/logger"
)

var dest atomic.Pointer[slog.Logger]

func init() {
	logger.SetLoggerFactory(func(pkg string) logger.ILogger { return &pkgLogger{pkg: pkg} })
}

// Use sends dragonboat's logs to l from now on.
func Use(l *slog.Logger) { dest.Store(l) }

// pkgLogger is the logger of one dragonboat package.
type pkgLogger struct{ pkg string }

// SetLevel is ignored: the slog handler's level decides.
func (p *pkgLogger) SetLevel(logger.LogLevel) {}

func (p *pkgLogger) Debugf(format string, args ...any) { p.log(slog.LevelDebug-4, format, args) }

func (p *pkgLogger) Infof(format string, args ...any) { p.log(slog.LevelDebug, format, args) }

func (p *pkgLogger) Warningf(format string, args ...any) { p.log(slog.LevelInfo, format, args) }

func (p *pkgLogger) Errorf(format string, args ...any) {
	level := slog.LevelWarn
	if p.pkg == "transport" {
		level = slog.LevelInfo
	}
	p.log(level, format, args)
}

// Panicf logs and panics, as dragonboat expects.
func (p *pkgLogger) Panicf(format string, args ...any) {
	p.log(slog.LevelError, format, args)
	panic(fmt.Sprintf(format, args...))
}

func (p *pkgLogger) log(level slog.Level, format string, args []any) {
	l := dest.Load()
	if l == nil {
		l = slog.Default()
	}
	if !l.Enabled(context.Background(), level) {
		return
	}
	l.Log(context.Background(), level, fmt.Sprintf(format, args...), "component", "dragonboat/"+p.pkg)
}
