package e2e

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// disk is the size of a data directory's files: the state database's
// write-ahead logs apart, since pebble keeps up to five of them (each up
// to a memtable's size, 16 MiB) for reuse however little it stores.
type disk struct{ files, stateWAL int64 }

func diskOf(t *testing.T, dir string) disk {
	t.Helper()
	var d disk
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil // a file removed while walking
		}
		info, err := e.Info()
		if err != nil || !e.Type().IsRegular() {
			return nil
		}
		if filepath.Base(filepath.Dir(path)) == "state" && filepath.Ext(path) == ".log" {
			d.stateWAL += info.Size()
		} else {
			d.files += info.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestWriteFlood is issue 11's write attack against a real `synod dev`: a
// module whose command writes 1 MiB values under fresh keys until the call
// ends, at the cluster's largest fuel budget. Each such command fails on
// the shard's write limit with nothing kept; bounded commands fill the
// shard up to its stored-bytes limit and no further; memory and disk stay
// bounded; and deleting the shard gives its disk back.
func TestWriteFlood(t *testing.T) {
	a := startAttacked(t)
	c := a.adminClients()
	ctx := context.Background()
	up, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(t, probe)}))
	if err != nil {
		t.Fatal(err)
	}
	const stored = 128 << 20
	if _, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
		Name: "flood", ModuleHash: up.Msg.GetModule().GetHash(), FuelLimit: 1_000_000_000, StoredBytesLimit: stored,
	})); err != nil {
		t.Fatal(err)
	}
	propose := func(cmd string) (*synodv1.ProposeResponse, error) {
		res, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "flood", Command: []byte(cmd)}))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
	storedBytes := func() uint64 {
		res, err := c.shards.GetShard(ctx, connect.NewRequest(&synodv1.GetShardRequest{Name: "flood"}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetShard().GetStoredBytes()
	}
	before, diskBefore := a.stats(t), diskOf(t, a.dataDir)

	for range 5 {
		start := time.Now()
		_, err := propose("flood")
		if connectCode(t, err) != connect.CodeResourceExhausted || !strings.Contains(err.Error(), "more than its limit of 16777216 bytes") {
			t.Fatalf("an endless flood: got %v, want ResourceExhausted naming the write limit", err)
		}
		t.Logf("an endless flood failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	}
	if n := storedBytes(); n != 0 {
		t.Fatalf("the failed floods left %d bytes", n)
	}

	// Floods of 8 MiB, under the write limit, until the shard is full.
	var kept int
	for ; kept < 20; kept++ {
		if _, err := propose("flood 8"); err != nil {
			if connectCode(t, err) != connect.CodeResourceExhausted || !strings.Contains(err.Error(), "over its limit of 134217728") {
				t.Fatalf("a flood into a full shard: got %v, want ResourceExhausted naming the stored-bytes limit", err)
			}
			break
		}
	}
	if n := storedBytes(); kept != 15 || n > stored || n < 15*8<<20 {
		t.Fatalf("%d floods of 8 MiB were kept, and the shard holds %d bytes; want 15, and at most its limit of %d", kept, n, stored)
	}
	full := a.stats(t)
	diskFull := diskOf(t, a.dataDir)
	t.Logf("RSS %d MiB before, %d MiB at the peak; disk %d MiB before, %d MiB with the shard full (and write-ahead logs: %d MiB, %d MiB)",
		before.rss>>20, full.hwm>>20, diskBefore.files>>20, diskFull.files>>20, diskBefore.stateWAL>>20, diskFull.stateWAL>>20)
	if grew := full.hwm - before.rss; grew > 1<<30 {
		t.Errorf("the process's peak RSS grew by %d MiB", grew>>20)
	}

	if _, err := c.shards.DeleteShard(ctx, connect.NewRequest(&synodv1.DeleteShardRequest{Name: "flood"})); err != nil {
		t.Fatal(err)
	}
	// The shard's Raft log goes with it, and its state's tables are
	// compacted away (pebble deletes the files a compaction made obsolete
	// soon after).
	waitFor(t, 2*time.Minute, func() bool {
		return diskOf(t, a.dataDir).files < diskBefore.files+(diskFull.files-diskBefore.files)/10
	})
	after := diskOf(t, a.dataDir)
	t.Logf("disk after deleting the shard: %d MiB (and write-ahead logs: %d MiB)", after.files>>20, after.stateWAL>>20)
	if after.stateWAL > 6*20<<20 {
		t.Errorf("the state's write-ahead logs take %d MiB, over what pebble keeps for reuse", after.stateWAL>>20)
	}
	a.mustServe(t)
}
