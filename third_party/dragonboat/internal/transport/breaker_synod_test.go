package transport

import (
	"testing"
	"time"

	circuit "github.com/lni/goutils/netutil/rubyist/circuitbreaker"
)

// Synod: a host's breaker for a peer never holds its messages back
// longer than an election timeout (Synod's is 200 ms), however long the
// peer was down (README.synod.md, change 12).
func TestBreakerPausesLessThanAnElectionTimeout(t *testing.T) {
	tr := &Transport{}
	tr.mu.breakers = make(map[string]*circuit.Breaker)
	b := tr.GetCircuitBreaker("127.0.0.1:7001")
	if b != tr.GetCircuitBreaker("127.0.0.1:7001") {
		t.Fatal("a second breaker for the same peer")
	}
	const most = 150 * time.Millisecond
	// Far more failures than a pause takes to reach its cap.
	for range 200 {
		if d := b.BackOff.NextBackOff(); d <= 0 || d > most {
			t.Fatalf("breaker pauses %v, want (0, %v]", d, most)
		}
	}
}
