package raftnet

import (
	"errors"
	"testing"

	pb "github.com/lni/dragonboat/v4/raftpb"
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
