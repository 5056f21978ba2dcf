package raftnet

import (
	"context"
	"hash/crc32"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/lni/dragonboat/v4/config"
	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"
)

// recorder is a slog handler that keeps the records it is given.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}

func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// count returns how many records have level and msg.
func (r *recorder) count(level slog.Level, msg string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.records {
		if rec.Level == level && rec.Message == msg {
			n++
		}
	}
	return n
}

// countAttr returns how many records have an attribute key whose value
// reads want.
func (r *recorder) countAttr(key, want string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.records {
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == key && a.Value.String() == want {
				n++
			}
			return true
		})
	}
	return n
}

// endpoint is a started transport on loopback with what it received.
type endpoint struct {
	*transport
	addr    string
	batches chan pb.MessageBatch
	chunks  chan pb.Chunk
	log     *recorder
}

// startEndpoint starts a transport on nh's RaftAddress, else on a free
// loopback port; nh may set TLS. It is closed when the test ends.
func startEndpoint(t *testing.T, nh config.NodeHostConfig, cfg Config) *endpoint {
	t.Helper()
	rec := &recorder{}
	cfg.Logger = slog.New(rec)
	f, err := NewFactory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if nh.RaftAddress == "" {
		nh.RaftAddress = "127.0.0.1:0"
	}
	e := &endpoint{batches: make(chan pb.MessageBatch, 16), chunks: make(chan pb.Chunk, 16), log: rec}
	tr := f.Create(nh, func(b pb.MessageBatch) { e.batches <- b }, func(c pb.Chunk) bool { e.chunks <- c; return true })
	if err := tr.Start(); err != nil {
		t.Fatalf("start transport: %v", err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	e.transport = tr.(*transport)
	e.addr = e.lns[0].Addr().String()
	return e
}

// heartbeat is a batch as a dragonboat peer sends it.
func heartbeat() pb.MessageBatch {
	return pb.MessageBatch{
		BinVer:        raftio.TransportBinVersion,
		DeploymentId:  1,
		SourceAddress: "127.0.0.1:7001",
		Requests:      []pb.Message{{Type: pb.Heartbeat, ShardID: 7, From: 1, To: 2, Term: 3, Commit: 10}},
	}
}

// snapshotChunk is the only chunk of a small snapshot, as dragonboat
// sends it.
func snapshotChunk(data []byte) pb.Chunk {
	return pb.Chunk{
		BinVer: raftio.TransportBinVersion, DeploymentId: 1,
		ShardID: 7, ReplicaID: 2, From: 1,
		ChunkId: 0, ChunkCount: 1, FileChunkId: 0, FileChunkCount: 1,
		ChunkSize: uint64(len(data)), Data: data,
		Index: 100, Term: 3, Filepath: "/data/snapshot-0000000000000064/snapshot-0000000000000064.gbsnap",
		FileSize: uint64(len(data)),
	}
}

// frame encodes one frame as dragonboat writes it, with size as given
// (not necessarily len(payload)).
func frame(method uint16, size uint64, payload []byte) []byte {
	h := requestHeader{method: method, size: size, crc: crc32.ChecksumIEEE(payload)}
	out := slices.Concat(magicNumber[:], h.encode(make([]byte, requestHeaderSize)))
	return append(out, payload...)
}

// marshal returns m's bytes.
func marshal(t *testing.T, m interface{ Marshal() ([]byte, error) }) []byte {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
