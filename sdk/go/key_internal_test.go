package synod

import (
	"strconv"
	"testing"
	"time"
)

// TestGeneratedKeysRiseWithTime checks that a generated idempotency key
// starts with the time it was made, so that later keys sort after earlier
// ones, and that two keys made in the same millisecond differ.
func TestGeneratedKeysRiseWithTime(t *testing.T) {
	before := time.Now().UnixMilli()
	first, same := newKey(), newKey()
	if first == same {
		t.Fatalf("two generated keys are both %q", first)
	}
	ms, err := strconv.ParseInt(first[:12], 16, 64)
	if err != nil || ms < before || ms > time.Now().UnixMilli() {
		t.Fatalf("key %q starts with %q, want the time in Unix milliseconds (%d or later) in 12 hex digits", first, first[:12], before)
	}
	for time.Now().UnixMilli() == ms {
		// until the next millisecond
	}
	if later := newKey(); later <= first {
		t.Errorf("key %q made a millisecond later sorts before or with %q", later, first)
	}
	if len(first) != 12+26 {
		t.Errorf("key %q has %d characters, want 38", first, len(first))
	}
}
