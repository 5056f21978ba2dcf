package host

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestThrottle checks the fuel bucket: a shard that used more than its
// burst waits for the bucket to refill, or is refused at once when it
// cannot wait that long; reservations follow the shard's average call;
// shards do not share buckets.
func TestThrottle(t *testing.T) {
	t.Parallel()
	th := newThrottle()
	ctx := context.Background()
	reserved, err := th.admit(ctx, 7)
	if err != nil || reserved != 0 {
		t.Fatalf("first call: got (%v, %v), want admitted with nothing reserved", reserved, err)
	}
	// A call that used the burst and a tenth of a second's worth more.
	th.charge(7, reserved, fuelBurst+fuelRate/10)

	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := th.admit(short, 7); !errors.Is(err, ErrOverFuelRate) {
		t.Errorf("a call that cannot wait for the refill: got %v, want ErrOverFuelRate", err)
	}
	if _, err := th.admit(short, 8); err != nil {
		t.Errorf("another shard: got %v, want admitted", err)
	}
	start := time.Now()
	reserved, err = th.admit(ctx, 7)
	if err != nil {
		t.Fatalf("a call that can wait: %v", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("admitted after %s, want after the bucket refilled (about 100 ms)", waited)
	}
	if want := averageWeight * (fuelBurst + fuelRate/10); reserved != want {
		t.Errorf("reserved %v, want the average call, %v", reserved, want)
	}
}
