package e2e

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/synodhq/synod/internal/dev"
)

// raftFrame encodes a frame of dragonboat's TCP transport: the magic
// number, an 18-byte header (method, size, header CRC32, payload CRC32,
// big-endian) and the payload. size is written as given.
func raftFrame(method uint16, size uint64, payload []byte) []byte {
	h := make([]byte, 18)
	binary.BigEndian.PutUint16(h, method)
	binary.BigEndian.PutUint64(h[2:], size)
	binary.BigEndian.PutUint32(h[14:], crc32.ChecksumIEEE(payload))
	binary.BigEndian.PutUint32(h[10:], crc32.ChecksumIEEE(h))
	out := append([]byte{0xAE, 0x7D}, h...)
	return append(out, payload...)
}

// Frame methods of dragonboat's TCP transport.
const (
	raftBatch uint16 = 100
	raftChunk uint16 = 200
)

// hostileBatch is a frame of one message that passes dragonboat's
// deployment and version checks.
func hostileBatch(tb testing.TB, m pb.Message) []byte {
	tb.Helper()
	b := pb.MessageBatch{BinVer: raftio.TransportBinVersion, DeploymentId: 1, Requests: []pb.Message{m}}
	buf, err := b.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return raftFrame(raftBatch, uint64(len(buf)), buf)
}

// TestHostileRaftBytes sends a live cluster's shard leader, on its Raft
// port, what dragonboat's own transport panics on or trusts: a frame of
// 2^62 bytes, an empty one, a garbage header, an HTTP request, messages to
// replica 0 and a snapshot chunk that becomes one. The host must close
// each connection and go on serving: the cluster keeps committing, and
// the host keeps applying.
func TestHostileRaftBytes(t *testing.T) {
	dir := t.TempDir()
	c := newClients(startInProcess(t, dev.Config{DataDir: dir, Hosts: 3}))
	s := c.kvShard(t, "target", 3)
	c.mustPropose(t, "target", kvCmd{Op: "put", Key: "before", Value: "1"})
	leader := c.leaderIndex(t, s)
	addr := raftAddrs(t, dir)[leader]
	var replica uint64
	for _, r := range s.GetReplicas() {
		if r.GetHostId() == c.Host(leader).ID() {
			replica = r.GetReplicaId()
		}
	}
	chunk := pb.Chunk{
		BinVer: raftio.TransportBinVersion, DeploymentId: 1, ShardID: s.GetId(), ReplicaID: 0, From: 9,
		ChunkCount: 1, FileChunkCount: 1, ChunkSize: 1, Data: []byte{1}, Index: 1 << 40, Term: 1 << 30,
		Filepath: "snapshot.gbsnap", FileSize: 1,
	}
	chunkBytes, err := chunk.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		bytes []byte
	}{
		{"size 2^62", raftFrame(raftBatch, 1<<62, nil)},
		{"size 0", raftFrame(raftBatch, 0, nil)},
		{"garbage header", append([]byte{0xAE, 0x7D}, bytes.Repeat([]byte{0xEE}, 40)...)},
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"to replica 0 of the meta shard", hostileBatch(t, pb.Message{Type: pb.Heartbeat, ShardID: 1, From: 1, To: 0, Term: 1})},
		{"to replica 0 of the shard", hostileBatch(t, pb.Message{Type: pb.Replicate, ShardID: s.GetId(), From: 9, To: 0, Term: 1 << 30})},
		{"install snapshot", hostileBatch(t, pb.Message{Type: pb.InstallSnapshot, ShardID: s.GetId(), From: 9, To: replica, Term: 1 << 30})},
		{"chunk to replica 0", raftFrame(raftChunk, uint64(len(chunkBytes)), chunkBytes)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("dial raft port: %v", err)
			}
			defer conn.Close()
			if _, err := conn.Write(tt.bytes); err != nil {
				t.Fatalf("write: %v", err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			if n, err := conn.Read(make([]byte, 1)); n != 0 || err == nil {
				t.Fatalf("the host answered %d bytes, %v; want the connection closed", n, err)
			} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the host kept the connection open for 10 s")
			}
		})
	}
	var last uint64
	for i := range 20 {
		last = c.mustPropose(t, "target", kvCmd{Op: "put", Key: "after", Value: string(rune('a' + i))}).GetIndex()
	}
	c.waitApplied(t, s.GetId(), last)
	if st := statusOf(c.Host(leader), s.GetId()); !st.HasReplica || st.AppliedIndex < last {
		t.Fatalf("the attacked host's replica: %+v, want index %d applied", st, last)
	}
}

// raftAddrs returns the Raft addresses of a dev cluster's hosts, from the
// layout it keeps in its data directory.
func raftAddrs(tb testing.TB, dir string) []string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "cluster.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var lay struct {
		Hosts []struct {
			RaftAddr string `json:"raft_addr"`
		} `json:"hosts"`
	}
	if err := json.Unmarshal(b, &lay); err != nil {
		tb.Fatal(err)
	}
	var addrs []string
	for _, h := range lay.Hosts {
		addrs = append(addrs, h.RaftAddr)
	}
	return addrs
}
