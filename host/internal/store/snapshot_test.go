package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/synodhq/synod/host/internal/store"
)

// snapshot streams a shard.
func snapshot(t *testing.T, db *store.DB, shard uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := db.Snapshot(shard).WriteTo(&buf, nil); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	return buf.Bytes()
}

// fill writes a source shard with awkward keys and values, at index 42
// with clock 99, and returns its state.
func fill(t *testing.T, db *store.DB, shard uint64) state {
	t.Helper()
	kvs := []string{"\x00", "zero", "\xff\xff", "ff", "empty", "", "big", strings.Repeat("b", 100<<10)}
	for i := range 300 {
		kvs = append(kvs, fmt.Sprintf("key/%04d", i), fmt.Sprint(i))
	}
	txn := db.Txn(shard)
	defer txn.Close()
	for i := 0; i < len(kvs); i += 2 {
		if err := txn.Set([]byte(kvs[i]), []byte(kvs[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := txn.SetClock(99); err != nil {
		t.Fatal(err)
	}
	if err := txn.Commit(42); err != nil {
		t.Fatal(err)
	}
	return viewState(t, db, shard)
}

// shardImage is everything of a shard that a snapshot carries.
type shardImage struct {
	state   state
	applied uint64
	clock   int64
}

func image(t *testing.T, db *store.DB, shard uint64) shardImage {
	t.Helper()
	return shardImage{viewState(t, db, shard), appliedIndex(t, db, shard), clock(t, db, shard)}
}

func (a shardImage) equal(b shardImage) bool {
	return maps.Equal(a.state, b.state) && a.applied == b.applied && a.clock == b.clock
}

func (a shardImage) String() string {
	return fmt.Sprintf("{%d keys, applied %d, clock %d}", len(a.state), a.applied, a.clock)
}

// populate gives a shard some state that a recovery must replace.
func populate(t *testing.T, db *store.DB, shard uint64) {
	t.Helper()
	txn := db.Txn(shard)
	defer txn.Close()
	for _, k := range []string{"old", "key/0001", "\x00", "zzz"} {
		if err := txn.Set([]byte(k), []byte("stale")); err != nil {
			t.Fatal(err)
		}
	}
	if err := txn.SetClock(1234); err != nil {
		t.Fatal(err)
	}
	if err := txn.Commit(7); err != nil {
		t.Fatal(err)
	}
}

func neighbours(shard uint64) []uint64 {
	var n []uint64
	if shard > 0 {
		n = append(n, shard-1)
	}
	if shard < maxShard {
		n = append(n, shard+1)
	}
	return n
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	const source = 0x100
	tests := []struct {
		name    string
		sameDB  bool
		target  uint64
		existed bool // the target has state before the recovery
	}{
		{name: "another db, same shard id", target: source},
		{name: "another db, another shard id", target: 0x2ff, existed: true},
		{name: "another db, shard 0", target: 0, existed: true},
		{name: "another db, last shard id", target: maxShard, existed: true},
		{name: "same db, neighbour shard id", sameDB: true, target: source + 1, existed: true},
		{name: "same db, same shard", sameDB: true, target: source},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := openDB(t)
			dst := src
			if !tt.sameDB {
				dst = openDB(t)
			}
			// Neighbours of both shards, which must come out untouched.
			others := map[uint64]shardImage{}
			for _, s := range append(neighbours(source), neighbours(tt.target)...) {
				if s == source || s == tt.target {
					continue
				}
				for _, db := range []*store.DB{src, dst} {
					write(t, db, s, 5, "neighbour", fmt.Sprint(s), "\x00", "n")
				}
				others[s] = image(t, dst, s)
			}
			want := shardImage{fill(t, src, source), 42, 99}
			if tt.existed {
				populate(t, dst, tt.target)
			}

			snap := src.Snapshot(source)
			// Writes after Snapshot are not in the stream.
			write(t, src, source, 43, "later", "x", "key/0000", del)
			var buf bytes.Buffer
			if err := snap.WriteTo(&buf, nil); err != nil {
				t.Fatalf("WriteTo: %v", err)
			}
			if err := dst.Recover(tt.target, bytes.NewReader(buf.Bytes()), nil); err != nil {
				t.Fatalf("Recover: %v", err)
			}
			if got := image(t, dst, tt.target); !got.equal(want) {
				t.Errorf("recovered %v, want %v", got, want)
				for k, v := range got.state {
					if w, ok := want.state[k]; !ok || w != v {
						t.Errorf("key %q: got %.20q, want %.20q (present: %v)", k, v, w, ok)
					}
				}
			}
			for s, img := range others {
				if got := image(t, dst, s); !got.equal(img) {
					t.Errorf("neighbour %#x: got %v, want %v", s, got, img)
				}
			}
			// The stream is the same whichever shard and db it comes from.
			if again := snapshot(t, dst, tt.target); !bytes.Equal(again, buf.Bytes()) {
				t.Error("the recovered shard streams differently from the original")
			}
		})
	}
}

func TestRecoverEmptySnapshot(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	stream := snapshot(t, db, 3)
	if !bytes.Equal(stream, []byte{0}) {
		t.Errorf("snapshot of an empty shard: got %x, want 00", stream)
	}
	populate(t, db, 4)
	if err := db.Recover(4, bytes.NewReader(stream), nil); err != nil {
		t.Fatal(err)
	}
	if got, want := image(t, db, 4), (shardImage{state: state{}}); !got.equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestRecoverCorrupt checks that a malformed stream is an error that
// changes nothing, when the stream fails before the recovery commits any
// of it (below 4 MiB).
func TestRecoverCorrupt(t *testing.T) {
	t.Parallel()
	src := openDB(t)
	write(t, src, 1, 42, "a", "1", "bb", "22", "empty", "")
	valid := snapshot(t, src, 1)
	tests := []struct {
		name   string
		stream []byte
		want   string // a substring of the error
	}{
		{name: "empty", stream: nil, want: "corrupt snapshot stream"},
		{name: "a field longer than the limit", stream: []byte{0x80, 0x80, 0x80, 0x80, 0x08}, want: "corrupt snapshot stream: field of 2147483648 bytes"},
		{name: "an overlong varint", stream: bytes.Repeat([]byte{0xff}, 11), want: "corrupt snapshot stream"},
		{name: "a key without a value", stream: []byte{2, 'u', 'a'}, want: "corrupt snapshot stream"},
		{name: "a length longer than the stream", stream: []byte{2, 'u', 'a', 10, 'x'}, want: "corrupt snapshot stream"},
	}
	// Every strict prefix of a valid stream is truncated.
	for n := range len(valid) {
		tests = append(tests, struct {
			name   string
			stream []byte
			want   string
		}{name: fmt.Sprintf("truncated to %d of %d bytes", n, len(valid)), stream: valid[:n], want: "corrupt snapshot stream"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t)
			populate(t, db, 9)
			before := image(t, db, 9)
			err := db.Recover(9, bytes.NewReader(tt.stream), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
			if got := image(t, db, 9); !got.equal(before) {
				t.Errorf("after a failed recovery: got %v, want %v unchanged", got, before)
			}
		})
	}
}

// TestRecoverTruncatedLarge checks Recover's claim for a stream that fails
// after part of it was committed: the shard then reports applied index 0,
// never the old index over new state, and a later recovery repairs it.
func TestRecoverTruncatedLarge(t *testing.T) {
	t.Parallel()
	src := openDB(t)
	txn := src.Txn(1)
	value := bytes.Repeat([]byte("v"), 64<<10)
	for i := range 96 { // 6 MiB, over the 4 MiB a recovery holds at once
		if err := txn.Set(fmt.Appendf(nil, "key/%03d", i), value); err != nil {
			t.Fatal(err)
		}
	}
	if err := txn.SetClock(99); err != nil {
		t.Fatal(err)
	}
	if err := txn.Commit(42); err != nil {
		t.Fatal(err)
	}
	txn.Close()
	want := image(t, src, 1)
	stream := snapshot(t, src, 1)

	db := openDB(t)
	populate(t, db, 1)
	write(t, db, 2, 3, "neighbour", "kept")
	before := image(t, db, 1)
	err := db.Recover(1, bytes.NewReader(stream[:len(stream)-1000]), nil)
	if err == nil || !strings.Contains(err.Error(), "corrupt snapshot stream") {
		t.Fatalf("got %v, want a corrupt stream error", err)
	}
	got := image(t, db, 1)
	if got.applied != 0 && got.applied != before.applied {
		t.Errorf("applied index %d after a failed recovery, want 0 or %d", got.applied, before.applied)
	}
	if !got.equal(before) && got.applied != 0 {
		t.Errorf("a partly recovered shard %v reports applied index %d, want 0", got, got.applied)
	}
	if got.equal(want) {
		t.Error("a truncated stream recovered the whole shard")
	}
	if img := image(t, db, 2); img.applied != 3 || img.state["neighbour"] != "kept" {
		t.Errorf("neighbour shard changed: %v", img)
	}
	if err := db.Recover(1, bytes.NewReader(stream), nil); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if got := image(t, db, 1); !got.equal(want) {
		t.Errorf("after recovering again: got %v, want %v", got, want)
	}
}

func TestSnapshotStop(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	write(t, db, 1, 42, "a", "1")
	stream := snapshot(t, db, 1)
	stopped := make(chan struct{})
	close(stopped)

	var buf bytes.Buffer
	if err := db.Snapshot(1).WriteTo(&buf, stopped); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("WriteTo with stop closed: got %v, want a stopped error", err)
	}
	populate(t, db, 2)
	before := image(t, db, 2)
	if err := db.Recover(2, bytes.NewReader(stream), stopped); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("Recover with stop closed: got %v, want a stopped error", err)
	}
	if got := image(t, db, 2); !got.equal(before) {
		t.Errorf("after a stopped recovery: got %v, want %v", got, before)
	}
	if err := db.Snapshot(1).Close(); err != nil {
		t.Errorf("Close of an unwritten snapshot: %v", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestSnapshotWriteError(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	fill(t, db, 1)
	errFull := errors.New("disk full")
	if err := db.Snapshot(1).WriteTo(failingWriter{errFull}, nil); !errors.Is(err, errFull) {
		t.Errorf("got %v, want an error wrapping %v", err, errFull)
	}
}

// FuzzRecover checks that no stream makes Recover panic, and that a
// stream it accepts leaves the shard as it says: streaming it out again
// and recovering that gives the same shard.
func FuzzRecover(f *testing.F) {
	db, err := store.Open(f.TempDir(), store.Options{CacheBytes: 1 << 20, MemTableBytes: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = db.Close() })
	txn := db.Txn(1)
	_ = txn.Set([]byte("a"), []byte("1"))
	_ = txn.Commit(5)
	txn.Close()
	var buf bytes.Buffer
	if err := db.Snapshot(1).WriteTo(&buf, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{0})
	f.Add([]byte{1, 'x', 0, 0})
	f.Fuzz(func(t *testing.T, stream []byte) {
		if err := db.Recover(2, bytes.NewReader(stream), nil); err != nil {
			return
		}
		var out bytes.Buffer
		if err := db.Snapshot(2).WriteTo(&out, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.Recover(3, bytes.NewReader(out.Bytes()), nil); err != nil {
			t.Fatalf("recovering a stream the store wrote: %v", err)
		}
		var again bytes.Buffer
		if err := db.Snapshot(3).WriteTo(&again, nil); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), again.Bytes()) {
			t.Fatal("a round trip changed the shard")
		}
	})
}
