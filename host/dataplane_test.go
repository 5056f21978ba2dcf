package host

import (
	"context"
	"testing"
	"time"
)

// TestRequestTimeoutOutlastsTheCall checks that the timeout the host gives
// dragonboat for a request, counted as dragonboat counts it (whole ticks,
// rounded down: NodeHost.getTimeoutTick), is at least a tick and lasts
// at least as long as the call has left, so that the call's own deadline
// ends the request.
func TestRequestTimeoutOutlastsTheCall(t *testing.T) {
	t.Parallel()
	for _, rtt := range []uint64{10, 20, 50} {
		d := &dataPlane{cfg: Config{RTTMillisecond: rtt}}
		tick := time.Duration(rtt) * time.Millisecond
		for _, left := range []time.Duration{time.Millisecond, tick - time.Millisecond, tick, tick + time.Millisecond, 2*tick - 1, 5 * time.Second} {
			deadline := time.Now().Add(left)
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			timeout := d.requestTimeout(ctx)
			cancel()
			ticks := uint64(timeout.Milliseconds()) / rtt
			if ticks == 0 {
				t.Errorf("%d ms ticks, %v left: timeout %v is under a tick", rtt, left, timeout)
			}
			if counted := time.Duration(ticks) * tick; counted < left-time.Millisecond {
				t.Errorf("%d ms ticks, %v left: dragonboat would time the request out after %v, before the call's deadline", rtt, left, counted)
			}
		}
	}
}
