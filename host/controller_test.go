package host

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/meta"
)

// TestCheckRemovedOnDisk checks that a host whose meta replica no longer
// runs learns it was removed from the catalogue its replica last applied,
// kept in the state DB, and that a host the catalogue keeps does not.
func TestCheckRemovedOnDisk(t *testing.T) {
	db, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	exec := meta.NewExecutor(func() {})
	replica := fsm.New(meta.ShardID, db, exec)
	now := time.Now().UnixNano()
	var entries []sm.Entry
	for _, req := range []meta.Request{
		{Op: meta.OpHeartbeat, Host: &meta.Host{ID: 1, Name: "h1", RaftAddr: "127.0.0.1:9001"}},
		{Op: meta.OpHeartbeat, Host: &meta.Host{ID: 2, Name: "h2", RaftAddr: "127.0.0.1:9002"}},
		{Op: meta.OpRemoveHost, HostName: "h2"},
	} {
		entries = append(entries, sm.Entry{Index: uint64(len(entries) + 1), Cmd: fsm.EncodeCommand(now, fsm.Budget{}, nil, req.Encode())})
	}
	applied, err := replica.Update(entries)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range applied {
		if _, err := fsm.DecodeResult(e.Result); err != nil {
			t.Fatalf("entry %d: %v", e.Index, err)
		}
	}
	if err := replica.Close(); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		id      uint64
		removed bool
	}{{1, false}, {2, true}} {
		c := newController(Config{ID: tt.id, Name: fmt.Sprint("h", tt.id), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
			nil, nil, nil, &replicaSet{db: db}, nil)
		c.catalogue = exec
		c.checkRemovedOnDisk(t.Context())
		if c.removed.Load() != tt.removed {
			t.Errorf("host %d: marked removed %v, want %v", tt.id, c.removed.Load(), tt.removed)
		}
	}
}
