package host

import (
	"testing"
	"time"
)

// TestTimeoutForOutlastsTheCall checks that the timeout the host gives
// dragonboat for a request, counted as dragonboat counts it (whole ticks,
// rounded down: NodeHost.getTimeoutTick), is at least a tick and lasts
// at least as long as the call has left, so that the call's own deadline
// ends the request; and that a call past its deadline gets a timeout
// dragonboat refuses (0), not a negative one, which its count of ticks
// would wrap around to one that never ends.
func TestTimeoutForOutlastsTheCall(t *testing.T) {
	t.Parallel()
	for _, rtt := range []uint64{10, 20, 50} {
		tick := time.Duration(rtt) * time.Millisecond
		for _, left := range []time.Duration{time.Microsecond, time.Millisecond, tick - time.Millisecond, tick, tick + time.Millisecond, 2*tick - time.Microsecond, 5 * time.Second} {
			timeout := timeoutFor(left, tick)
			ticks := uint64(timeout.Milliseconds()) / rtt
			if ticks == 0 {
				t.Errorf("%d ms ticks, %v left: timeout %v is under a tick", rtt, left, timeout)
			}
			if counted := time.Duration(ticks) * tick; counted < left {
				t.Errorf("%d ms ticks, %v left: dragonboat would time the request out after %v, before the call's deadline", rtt, left, counted)
			}
		}
		for _, left := range []time.Duration{0, -time.Millisecond, -2 * tick, -time.Hour} {
			if timeout := timeoutFor(left, tick); timeout != 0 {
				t.Errorf("%d ms ticks, %v left: timeout %v, want 0 (refused: the deadline has passed)", rtt, left, timeout)
			}
		}
	}
}
