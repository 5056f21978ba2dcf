package raftnet

import (
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4/config"
)

// emfileChild is set in the environment of the child process that
// TestAcceptSurvivesEMFILE starts.
const emfileChild = "RAFTNET_EMFILE_CHILD"

// TestAcceptSurvivesEMFILE runs, in a child process limited to 256 file
// descriptors, a transport whose process runs out of them while a peer
// connects: dragonboat's transport panics on the accept error. This one
// must back off, log the episode once, and deliver the peer's batch once
// descriptors are free again. A child process keeps the limit away from
// the other tests.
func TestAcceptSurvivesEMFILE(t *testing.T) {
	if os.Getenv(emfileChild) == "1" {
		runOutOfDescriptors(t)
		return
	}
	t.Parallel()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestAcceptSurvivesEMFILE$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), emfileChild+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestAcceptSurvivesEMFILE") {
		t.Fatalf("child process: %v\n%s", err, out)
	}
}

func runOutOfDescriptors(t *testing.T) {
	// Set both limits: Go raises the soft limit to the hard one at start.
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 256, Max: 256}); err != nil {
		t.Fatalf("limit file descriptors: %v", err)
	}
	receiver := startEndpoint(t, config.NodeHostConfig{}, Config{})
	sender := startEndpoint(t, config.NodeHostConfig{}, Config{})

	var held []*os.File
	defer func() {
		for _, f := range held {
			_ = f.Close()
		}
	}()
	for {
		f, err := os.Open(os.DevNull)
		if errors.Is(err, syscall.EMFILE) {
			break
		}
		if err != nil {
			t.Fatalf("open %s: %v", os.DevNull, err)
		}
		held = append(held, f)
		if len(held) > 256 {
			t.Fatal("the descriptor limit did not apply")
		}
	}
	// One descriptor for the sender's socket; none is left for the
	// receiver to accept it with.
	_ = held[len(held)-1].Close()
	held = held[:len(held)-1]
	conn, err := sender.GetConnection(t.Context(), receiver.addr)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close()
	if err := conn.SendMessageBatch(heartbeat()); err != nil {
		t.Fatalf("send batch: %v", err)
	}
	const failing = "raft listener cannot accept; retrying with back-off"
	waitFor(t, func() bool { return receiver.log.count(slog.LevelError, failing) > 0 })
	time.Sleep(500 * time.Millisecond) // many more attempts, backing off
	if n := receiver.log.count(slog.LevelError, failing); n != 1 || !logged(receiver.log, syscall.EMFILE) {
		t.Fatalf("logged %d errors in one episode (EMFILE among them: %t), want 1", n, logged(receiver.log, syscall.EMFILE))
	}
	select {
	case <-receiver.batches:
		t.Fatal("a batch arrived while the receiver had no descriptor to accept it with")
	default:
	}

	for _, f := range held {
		_ = f.Close()
	}
	held = nil
	if got := receive(t, receiver.batches); got.Requests[0].To != 2 {
		t.Fatalf("received %+v after recovering", got)
	}
	if n := receiver.log.count(slog.LevelInfo, "raft listener accepting again"); n != 1 {
		t.Fatalf("logged %d recoveries, want 1", n)
	}
	sendBatchAndChunk(t, sender, receiver)
}
