package raftnet

import (
	"log/slog"
	"testing"
	"time"
)

func TestReporterLogsOncePerConditionAndMinute(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	r := newReporter(slog.New(rec))
	now := time.Unix(1000, 0)
	r.now = func() time.Time { return now }
	for range 3 {
		r.report(slog.LevelWarn, "too large", "refused")
	}
	r.report(slog.LevelWarn, "empty", "refused")
	if got := rec.count(slog.LevelWarn, "refused"); got != 2 {
		t.Fatalf("logged %d times for 2 conditions within a minute, want 2", got)
	}
	now = now.Add(reportEvery)
	if !r.report(slog.LevelWarn, "too large", "refused") {
		t.Fatal("a condition was not logged again after a minute")
	}
	if got := rec.countAttr("not_logged_since_last", "2"); got != 1 {
		t.Fatalf("%d records say 2 were not logged, want 1", got)
	}
}
