package raftnet

import (
	"io"
	"log/slog"
	"net"
	"testing"

	pb "github.com/lni/dragonboat/v4/raftpb"
)

// FuzzInbound feeds arbitrary bytes to an inbound connection: reading
// them must neither panic nor hand dragonboat a batch or chunk that
// breaks the rules of checkBatch and checkChunk.
func FuzzInbound(f *testing.F) {
	hb := heartbeat()
	hbBytes, _ := hb.Marshal()
	chunk := snapshotChunk([]byte("state"))
	chunkBytes, _ := chunk.Marshal()
	toZero := heartbeat()
	toZero.Requests[0].To = 0
	toZeroBytes, _ := toZero.Marshal()
	for _, seed := range [][]byte{
		frame(raftType, uint64(len(hbBytes)), hbBytes),
		frame(snapshotType, uint64(len(chunkBytes)), chunkBytes),
		frame(raftType, uint64(len(toZeroBytes)), toZeroBytes),
		frame(raftType, 1<<62, nil),
		frame(raftType, 0, nil),
		poisonNumber[:],
		[]byte("GET / HTTP/1.1\r\n\r\n"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr := &transport{
			cfg: Config{}.withDefaults(),
			onBatch: func(b pb.MessageBatch) {
				if err := checkBatch(b); err != nil {
					t.Fatalf("delivered a batch that breaks a rule: %v", err)
				}
			},
			onChunk: func(c pb.Chunk) bool {
				if err := checkChunk(c); err != nil {
					t.Fatalf("delivered a chunk that breaks a rule: %v", err)
				}
				return true
			},
			rep: newReporter(slog.New(slog.DiscardHandler)),
		}
		client, server := net.Pipe()
		go func() { _, _ = io.Copy(io.Discard, client) }() // a poison's ack
		go func() {
			_, _ = client.Write(data)
			_ = client.Close()
		}()
		_ = tr.serveFrames(server)
		_ = server.Close()
	})
}
