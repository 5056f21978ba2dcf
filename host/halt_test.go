package host

import (
	"testing"
	"time"
)

func TestBackoffAfter(t *testing.T) {
	for _, tt := range []struct {
		times int
		want  time.Duration
	}{
		{1, 30 * time.Second},
		{2, time.Minute},
		{3, 2 * time.Minute},
		{6, 16 * time.Minute},
		{7, 30 * time.Minute},
		{1000, 30 * time.Minute},
	} {
		if got := backoffAfter(tt.times); got != tt.want {
			t.Errorf("after %d halts: %v, want %v", tt.times, got, tt.want)
		}
	}
}
