package gctarget

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestRaise(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	t.Setenv("GOGC", "") // restored when the test ends
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
	Raise()
	if got := debug.SetGCPercent(100); got != Percent {
		t.Errorf("target after Raise = %d, want %d", got, Percent)
	}

	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150) // as the runtime read it at start
	Raise()
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("target after Raise with GOGC=150 = %d, want 150", got)
	}
}
