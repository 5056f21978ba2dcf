package testport

import (
	"net"
	"strconv"
	"testing"
)

// TestHandsOutEachPortOnce checks that ports come from below the
// ephemeral range, are free, are never handed out twice, and that a
// block skips a port that is taken.
func TestHandsOutEachPortOnce(t *testing.T) {
	seen := make(map[int]bool)
	for range 200 {
		_, p, err := net.SplitHostPort(Addr(t))
		if err != nil {
			t.Fatal(err)
		}
		port, _ := strconv.Atoi(p)
		if port < lowest || port >= ephemeralStart() {
			t.Fatalf("port %d is outside %d-%d", port, lowest, ephemeralStart()-1)
		}
		if seen[port] {
			t.Fatalf("port %d handed out twice", port)
		}
		seen[port] = true
	}

	mu.Lock()
	taken, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(next+2)))
	mu.Unlock()
	if err != nil {
		t.Fatalf("take a port to see it skipped: %v", err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	from := Block(t, 5)
	if from <= takenPort && takenPort < from+5 {
		t.Fatalf("block %d-%d holds port %d, which is taken", from, from+4, takenPort)
	}
	for port := from; port < from+5; port++ {
		if seen[port] {
			t.Fatalf("block %d-%d holds port %d, handed out before", from, from+4, port)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("port %d of the block is not free: %v", port, err)
		}
		ln.Close()
	}
}
