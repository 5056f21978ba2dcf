package host

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestThrottle checks the fuel bucket, at the default rate and at a rate
// a host set: a shard that used more than its burst waits for the bucket
// to refill, or is refused at once when it cannot wait that long;
// reservations follow the shard's average call; shards do not share
// buckets.
func TestThrottle(t *testing.T) {
	t.Parallel()
	for _, fuelRate := range []uint64{defaultShardFuelRate, 1e6} {
		t.Run(fmt.Sprint(fuelRate), func(t *testing.T) {
			t.Parallel()
			rate := float64(fuelRate)
			burst := rate * fuelBurstSeconds
			th := newThrottle(fuelRate)
			ctx := context.Background()
			reserved, err := th.admit(ctx, 7)
			if err != nil || reserved != 0 {
				t.Fatalf("first call: got (%v, %v), want admitted with nothing reserved", reserved, err)
			}
			// A call that used the burst and a tenth of a second's worth more.
			th.charge(7, reserved, uint64(burst+rate/10))

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
			if want := averageWeight * (burst + rate/10); reserved != want {
				t.Errorf("reserved %v, want the average call, %v", reserved, want)
			}
		})
	}
}

// TestThrottleQueues checks that calls waiting together on a shard's
// bucket are admitted no faster than its rate: each takes its place in
// line, so the k-th is admitted no sooner than the debt and the k-1
// calls before it take to refill. A call that gives up waiting gives its
// place back.
func TestThrottleQueues(t *testing.T) {
	t.Parallel()
	const rate = defaultShardFuelRate
	th := newThrottle(rate)
	ctx := context.Background()
	reserved, err := th.admit(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	// The bucket owes 50 ms of refill; the average call is then a tenth
	// of what was used: 25 ms of refill.
	const used = rate*fuelBurstSeconds + rate/20
	th.charge(7, reserved, used)
	average := averageWeight * used
	perCall := time.Duration(average / rate * float64(time.Second))

	tokens := func() float64 {
		th.mu.Lock()
		defer th.mu.Unlock()
		return th.buckets[7].tokens
	}
	before := tokens()
	gaveUp, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := th.admit(gaveUp, 7); !errors.Is(err, context.Canceled) {
		t.Fatalf("a call whose context ended: got %v, want context.Canceled", err)
	}
	if after := tokens(); after < before {
		t.Fatalf("the bucket held %.0f before a call gave up waiting and %.0f after: its fuel was not given back", before, after)
	}

	const n = 4
	start := time.Now()
	admitted := make(chan time.Duration, n)
	for range n {
		go func() {
			if _, err := th.admit(ctx, 7); err != nil {
				t.Error(err)
			}
			admitted <- time.Since(start)
		}()
	}
	var times []time.Duration
	for range n {
		times = append(times, <-admitted)
	}
	slices.Sort(times)
	for k, at := range times {
		// Less a millisecond for the rounding of the waits.
		if least := 50*time.Millisecond + time.Duration(k)*perCall - time.Millisecond; at < least {
			t.Errorf("call %d of %d admitted after %s, want no sooner than %s", k+1, n, at, least)
		}
	}
}

// TestThrottleDeepDebt checks that a bucket deeper in debt than a
// duration can say (a rate of one fuel a second, owing 10¹⁰) still
// refuses a call that cannot wait, rather than overflowing into none.
func TestThrottleDeepDebt(t *testing.T) {
	t.Parallel()
	th := newThrottle(1)
	reserved, err := th.admit(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	th.charge(7, reserved, 1e10)
	short, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := th.admit(short, 7); !errors.Is(err, ErrOverFuelRate) {
		t.Fatalf("a call on a bucket owing 10¹⁰ fuel at one a second: got %v, want ErrOverFuelRate", err)
	}
}
