package transport

import (
	"testing"
	"time"

	circuit "github.com/lni/goutils/netutil/rubyist/circuitbreaker"
)

// Synod: a host's breaker for a peer holds its messages back after a
// failure, and never longer than an election timeout (Synod's default is
// 200 ms), however many failures came before (README.synod.md, change
// 12).
func TestBreakerPausesLessThanAnElectionTimeout(t *testing.T) {
	tr := &Transport{}
	tr.mu.breakers = make(map[string]*circuit.Breaker)
	b := tr.GetCircuitBreaker("127.0.0.1:7001")
	if b != tr.GetCircuitBreaker("127.0.0.1:7001") {
		t.Fatal("a second breaker for the same peer")
	}
	const most = 150 * time.Millisecond
	// A peer that stays down: each attempt the breaker lets through
	// fails.
	for i := range 5 {
		b.Fail()
		if b.Ready() {
			t.Fatalf("failure %d: the breaker lets messages through at once", i)
		}
		time.Sleep(most + 10*time.Millisecond)
		if !b.Ready() {
			t.Fatalf("failure %d: the breaker still refuses messages after %v", i, most)
		}
	}
	// And however long it stays down, no pause is longer.
	for range 200 {
		if d := b.BackOff.NextBackOff(); d <= 0 || d > most {
			t.Fatalf("breaker pauses %v, want (0, %v]", d, most)
		}
	}
}
