package raftnet

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/lni/dragonboat/v4/config"
	pb "github.com/lni/dragonboat/v4/raftpb"
	"github.com/lni/goutils/stringutil"
)

func TestCheckBatch(t *testing.T) {
	t.Parallel()
	with := func(edit func(*pb.MessageBatch)) pb.MessageBatch {
		b := heartbeat()
		edit(&b)
		return b
	}
	for _, tt := range []struct {
		name  string
		batch pb.MessageBatch
		want  error
	}{
		{"heartbeat", heartbeat(), nil},
		{"empty", pb.MessageBatch{}, nil},
		{"replicate", with(func(b *pb.MessageBatch) {
			b.Requests[0].Type = pb.Replicate
			b.Requests[0].Entries = []pb.Entry{{Index: 11, Term: 3, Cmd: []byte("x")}}
		}), nil},
		{"snapshot received", with(func(b *pb.MessageBatch) { b.Requests[0].Type = pb.SnapshotReceived }), nil},
		{"no source address", with(func(b *pb.MessageBatch) { b.SourceAddress = "" }), nil},
		{"to replica 0", with(func(b *pb.MessageBatch) { b.Requests[0].To = 0 }), errBadBatch},
		{"to replica 0 after a good one", with(func(b *pb.MessageBatch) {
			b.Requests = append(b.Requests, pb.Message{Type: pb.Heartbeat, ShardID: 7, From: 1})
		}), errBadBatch},
		{"from replica 0", with(func(b *pb.MessageBatch) { b.Requests[0].From = 0 }), errBadBatch},
		{"shard 0", with(func(b *pb.MessageBatch) { b.Requests[0].ShardID = 0 }), errBadBatch},
		{"install snapshot", with(func(b *pb.MessageBatch) { b.Requests[0].Type = pb.InstallSnapshot }), errBadBatch},
		{"election", with(func(b *pb.MessageBatch) { b.Requests[0].Type = pb.Election }), errBadBatch},
		{"snapshot status", with(func(b *pb.MessageBatch) { b.Requests[0].Type = pb.SnapshotStatus }), errBadBatch},
		{"unreachable", with(func(b *pb.MessageBatch) { b.Requests[0].Type = pb.Unreachable }), errBadBatch},
		{"local tick", with(func(b *pb.MessageBatch) { b.Requests[0].Type = pb.LocalTick }), errBadBatch},
		{"unknown type", with(func(b *pb.MessageBatch) { b.Requests[0].Type = pb.LogQuery + 1 }), errBadBatch},
		{"bad source address", with(func(b *pb.MessageBatch) { b.SourceAddress = "not an address" }), errBadBatch},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := checkBatch(tt.batch); !errors.Is(err, tt.want) {
				t.Fatalf("checkBatch: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckChunk(t *testing.T) {
	t.Parallel()
	with := func(edit func(*pb.Chunk)) pb.Chunk {
		c := snapshotChunk([]byte("state"))
		edit(&c)
		return c
	}
	for _, tt := range []struct {
		name  string
		chunk pb.Chunk
		want  error
	}{
		{"only chunk", snapshotChunk([]byte("state")), nil},
		{"second chunk of a second file", with(func(c *pb.Chunk) {
			c.ChunkId, c.ChunkCount, c.FileChunkId, c.FileChunkCount = 3, 4, 1, 2
		}), nil},
		{"streamed", with(func(c *pb.Chunk) {
			c.ChunkId, c.ChunkCount, c.FileChunkId, c.FileChunkCount = 5, 0, 5, 0
		}), nil},
		{"streamed tail", with(func(c *pb.Chunk) {
			c.ChunkId, c.FileChunkId = 6, 6
			c.ChunkCount, c.FileChunkCount = pb.LastChunkCount, pb.LastChunkCount
			c.Data, c.ChunkSize = nil, 0
		}), nil},
		{"to replica 0", with(func(c *pb.Chunk) { c.ReplicaID = 0 }), errBadChunk},
		{"from replica 0", with(func(c *pb.Chunk) { c.From = 0 }), errBadChunk},
		{"shard 0", with(func(c *pb.Chunk) { c.ShardID = 0 }), errBadChunk},
		{"size differs from data", with(func(c *pb.Chunk) { c.ChunkSize = 1 << 40 }), errBadChunk},
		{"poison", with(func(c *pb.Chunk) { c.ChunkCount = pb.PoisonChunkCount }), errBadChunk},
		{"first chunk continues a file", with(func(c *pb.Chunk) { c.FileChunkId, c.FileChunkCount = 1, 2 }), errBadChunk},
		{"file chunk after chunk", with(func(c *pb.Chunk) { c.ChunkId, c.ChunkCount, c.FileChunkId, c.FileChunkCount = 1, 3, 2, 3 }), errBadChunk},
		{"past its count", with(func(c *pb.Chunk) { c.ChunkId, c.FileChunkId = 1, 0 }), errBadChunk},
		{"past its file count", with(func(c *pb.Chunk) { c.ChunkId, c.ChunkCount, c.FileChunkId = 2, 3, 1 }), errBadChunk},
		{"no file path", with(func(c *pb.Chunk) { c.Filepath = "" }), errBadChunk},
		{"file path is a directory", with(func(c *pb.Chunk) { c.Filepath = "/data/.." }), errBadChunk},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := checkChunk(tt.chunk); !errors.Is(err, tt.want) {
				t.Fatalf("checkChunk: %v, want %v", err, tt.want)
			}
		})
	}
}

// TestAddressCheckAsDragonboats checks that the address check every
// received batch goes through (config.IsValidAddress, which the patched
// dragonboat answers without regular expressions) gives the answer of
// the expressions it replaced (stringutil.IsValidAddress), on the cases
// at their edges and on random strings of the characters that matter.
func TestAddressCheckAsDragonboats(t *testing.T) {
	t.Parallel()
	check := func(addr string) {
		t.Helper()
		if got, want := config.IsValidAddress(addr), stringutil.IsValidAddress(addr); got != want {
			t.Fatalf("IsValidAddress(%q) = %v; the regular expressions say %v", addr, got, want)
		}
	}
	valid := 0
	count := func(addr string) {
		if config.IsValidAddress(addr) {
			valid++
		}
	}
	for _, addr := range []string{
		"127.0.0.1:27001", "h1:1", "host-1.example.com:65535", " a.b:80\t", "A-z.0-9:8080",
		"", ":", "h:", ":80", "h:0", "h:65536", "h:-1", "h:+80", "h:8x", "h:80:1", "h::80",
		"-h:80", "h-:80", "a..b:80", ".a:80", "a.:80", "a.-b:80", "a_b:80", "[::1]:80",
		"256.1.1.1:80", "1.2.3:80", "1.2.3.4.5:80", "01.2.3.4:80", "ünï.com:80", "a\x00:80", "a b:80",
	} {
		check(addr)
		count(addr)
	}
	if valid == 0 {
		t.Fatal("no listed address was valid: the comparison is idle")
	}
	valid = 0
	rng := rand.New(rand.NewPCG(1, 2))
	piece := func(alphabet string, most int) string {
		b := make([]byte, rng.IntN(most+1))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 200_000 {
		b := []byte(piece("aZ9-.", 9) + piece(":", 2) + piece("01569+-", 6))
		if rng.IntN(4) == 0 { // a stray character anywhere
			i := rng.IntN(len(b) + 1)
			b = append(b[:i], append([]byte(piece(" \t\x00é_:.-", 1)), b[i:]...)...)
		}
		check(string(b))
		count(string(b))
	}
	if valid < 1000 {
		t.Fatalf("%d random addresses were valid: too few to compare", valid)
	}
}
