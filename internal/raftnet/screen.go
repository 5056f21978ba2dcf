package raftnet

import (
	"errors"
	"fmt"
	"path"

	"github.com/lni/dragonboat/v4/config"
	pb "github.com/lni/dragonboat/v4/raftpb"
)

// Why a decoded batch or chunk is refused. Each closes its connection.
var (
	// errBadBatch: a message batch carries a message that nodehost would
	// panic on or that no dragonboat peer sends.
	errBadBatch = errors.New("raftnet: bad message batch")
	// errBadChunk: a snapshot chunk carries values that the chunk
	// receiver would panic on or that no dragonboat peer sends.
	errBadChunk = errors.New("raftnet: bad snapshot chunk")
)

// checkBatch reports why batch must not reach nodehost, or nil.
//
// Nodehost's messageHandler.HandleMessageBatch panics on a message whose
// To is 0 and, through MessageQueue.MustAdd, treats an InstallSnapshot as
// local; dragonboat builds InstallSnapshot messages from received chunks
// and never sends one, nor any other local message type (elections,
// ticks, unreachable and snapshot status notices), which would otherwise
// be stepped into the replica as though it had raised them itself. Replica
// and shard ids start at 1. The source address goes into the address
// resolver, so it must at least be an address.
func checkBatch(batch pb.MessageBatch) error {
	if batch.SourceAddress != "" && !config.IsValidAddress(batch.SourceAddress) {
		return fmt.Errorf("%w: source address %q", errBadBatch, batch.SourceAddress)
	}
	for _, m := range batch.Requests {
		switch {
		case m.To == 0:
			return fmt.Errorf("%w: %s to replica 0", errBadBatch, m.Type)
		case m.From == 0:
			return fmt.Errorf("%w: %s from replica 0", errBadBatch, m.Type)
		case m.ShardID == 0:
			return fmt.Errorf("%w: %s to shard 0", errBadBatch, m.Type)
		case !remoteType(m.Type):
			return fmt.Errorf("%w: %s is not sent between hosts", errBadBatch, m.Type)
		}
	}
	return nil
}

// remoteType reports whether t is a message type that hosts send each
// other: not one that dragonboat only raises inside a host (its
// raft.isLocalMessageType, and InstallSnapshot, which travels as chunks),
// nor one past the last type of the pinned version.
func remoteType(t pb.MessageType) bool {
	switch t {
	case pb.LocalTick, pb.Election, pb.LeaderHeartbeat, pb.CheckQuorum,
		pb.BatchedReadIndex, pb.Unreachable, pb.SnapshotStatus, pb.InstallSnapshot:
		return false
	}
	return t <= pb.LogQuery
}

// checkChunk reports why chunk must not reach the chunk receiver, or nil.
//
// The receiver turns a chunk into an InstallSnapshot message to
// chunk.ReplicaID, which nodehost panics on if it is 0; it panics itself
// when it cannot write a chunk's file, as when a first chunk claims to
// continue a file or a file name has no base. The rules below are those
// every chunk that dragonboat sends keeps, streamed or not: the count
// fields are 0 or pb.LastChunkCount while a snapshot streams, and the
// real counts otherwise.
func checkChunk(c pb.Chunk) error {
	base := path.Base(c.Filepath)
	switch {
	case c.ShardID == 0 || c.ReplicaID == 0 || c.From == 0:
		return fmt.Errorf("%w: shard %d, replica %d, from %d", errBadChunk, c.ShardID, c.ReplicaID, c.From)
	case uint64(len(c.Data)) != c.ChunkSize:
		return fmt.Errorf("%w: %d bytes of data, size says %d", errBadChunk, len(c.Data), c.ChunkSize)
	case c.IsPoisonChunk():
		return fmt.Errorf("%w: poison chunk", errBadChunk)
	case c.FileChunkId > c.ChunkId, c.ChunkId == 0 && c.FileChunkId != 0:
		return fmt.Errorf("%w: chunk %d is chunk %d of its file", errBadChunk, c.ChunkId, c.FileChunkId)
	case !withinCount(c.ChunkId, c.ChunkCount), !withinCount(c.FileChunkId, c.FileChunkCount):
		return fmt.Errorf("%w: chunk %d of %d, file chunk %d of %d", errBadChunk, c.ChunkId, c.ChunkCount, c.FileChunkId, c.FileChunkCount)
	case c.Filepath == "" || base == "." || base == ".." || base == "/":
		return fmt.Errorf("%w: file path %q", errBadChunk, c.Filepath)
	}
	return nil
}

// withinCount reports whether id is below count, where a count of 0 or
// pb.LastChunkCount means a streamed snapshot whose count is not known.
func withinCount(id, count uint64) bool {
	return count == 0 || count == pb.LastChunkCount || id < count
}
