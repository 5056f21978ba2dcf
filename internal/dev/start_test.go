package dev

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
)

// TestStartChoosesPortsAgain takes a Raft port away from a new cluster
// between its choice and its host's listening on it, as a client's
// connection can, and checks that the cluster chooses again and starts.
func TestStartChoosesPortsAgain(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	choices := 0
	cfg := Config{
		DataDir: t.TempDir(), Listen: "127.0.0.1:0", Hosts: 3,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		choosePorts: func(r PortRange, n int) ([]int, error) {
			choices++
			ports, err := r.free(n)
			if choices == 1 && err == nil {
				ports[1] = takenPort
			}
			return ports, err
		},
	}
	c, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start, with a chosen Raft port taken: %v", err)
	}
	defer c.Close()
	if choices != 2 {
		t.Errorf("ports chosen %d times, want 2", choices)
	}
	for _, h := range c.layout.Hosts {
		if h.RaftAddr == "127.0.0.1:"+strconv.Itoa(takenPort) {
			t.Errorf("host %s kept the taken port %d", h.Name, takenPort)
		}
	}
}
