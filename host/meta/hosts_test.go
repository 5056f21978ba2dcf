package meta_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/meta"
)

// advance moves the catalogue's clock, as time passing between entries.
func (c *catalogue) advance(d time.Duration) { c.stamp += int64(d) }

func (c *catalogue) hosts() map[string]meta.Host {
	c.t.Helper()
	out, err := c.query(meta.Request{Op: meta.OpListHosts})
	if err != nil {
		c.t.Fatal(err)
	}
	var hs []meta.Host
	if err := meta.Decode(out, &hs); err != nil {
		c.t.Fatal(err)
	}
	m := make(map[string]meta.Host)
	for _, h := range hs {
		if h.State != meta.HostRemoved {
			m[h.Name] = h
		}
	}
	return m
}

func (c *catalogue) shard(name string) meta.Shard {
	c.t.Helper()
	out, err := c.query(meta.Request{Op: meta.OpGetShard, Name: name})
	if err != nil {
		c.t.Fatal(err)
	}
	var s meta.Shard
	if err := meta.Decode(out, &s); err != nil {
		c.t.Fatal(err)
	}
	return s
}

func (c *catalogue) join(name string) (meta.Host, error) {
	c.t.Helper()
	res := c.do(meta.Request{Op: meta.OpJoinHost, Host: &meta.Host{Name: name, RaftAddr: name + ":1"}})
	var h meta.Host
	if res.err == nil {
		if err := meta.Decode(res.out, &h); err != nil {
			c.t.Fatal(err)
		}
	}
	return h, res.err
}

func (c *catalogue) change(op meta.Op, shard, host, target string) error {
	c.t.Helper()
	return c.do(meta.Request{Op: op, Name: shard, HostName: host, Target: target}).err
}

// onHosts returns the ids of the hosts of a shard's replicas.
func onHosts(s meta.Shard) []uint64 {
	var ids []uint64
	for _, r := range s.Replicas {
		ids = append(ids, r.HostID)
	}
	return ids
}

func TestJoinHost(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	h, err := c.join("h4")
	if err != nil || h.ID != 4 || h.State != meta.HostJoining {
		t.Fatalf("join h4 = %+v, %v; want id 4, joining", h, err)
	}
	// A joining host that asks again (say, after a timeout) gets the same id.
	if again, err := c.join("h4"); err != nil || again.ID != 4 {
		t.Fatalf("join h4 again = %+v, %v; want id 4", again, err)
	}
	// The ids of an initial cluster's hosts are kept for them, registered
	// or not.
	res := c.do(meta.Request{Op: meta.OpJoinHost, IDFloor: 7, Host: &meta.Host{Name: "h9", RaftAddr: "h9:1"}})
	var h9 meta.Host
	if res.err != nil || meta.Decode(res.out, &h9) != nil || h9.ID != 8 {
		t.Fatalf("join with an initial cluster of 7 = %+v, %v; want id 8", h9, res.err)
	}
	c.must(meta.Request{Op: meta.OpHeartbeat, Host: &meta.Host{ID: 4, Name: "h4", RaftAddr: "h4:1"}}, nil)
	if got := c.hosts()["h4"].State; got != meta.HostActive {
		t.Errorf("after its first heartbeat h4 is %q, want active", got)
	}
	// A live host's name is taken.
	if _, err := c.join("h2"); !errors.Is(err, meta.ErrHostInUse) {
		t.Errorf("join under a live host's name: got %v, want ErrHostInUse", err)
	}
	if err := c.do(meta.Request{Op: meta.OpHeartbeat, Host: &meta.Host{ID: 9, Name: "h2", RaftAddr: "x:1"}}).err; !errors.Is(err, meta.ErrInvalidArgument) {
		t.Errorf("heartbeat under another host's name: got %v, want ErrInvalidArgument", err)
	}
}

// TestReplaceDeadHost: a host that joins under the name of a dead host
// replaces it. The old host is removed, its replicas move to live hosts
// (or, with none free, wait for the newcomer), and ids are never reused.
func TestReplaceDeadHost(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	c.addModule(m1)
	if _, err := c.createShard("a", m1, 3); err != nil {
		t.Fatal(err)
	}
	c.advance(meta.LivenessTimeout)
	c.addHosts(1, 2) // h3 stays silent
	h, err := c.join("h3")
	if err != nil || h.ID != 4 {
		t.Fatalf("join h3 = %+v, %v; want a new id 4", h, err)
	}
	if got := onHosts(c.shard("a")); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("with no free live host, the dead host's replica is dropped: replicas on %v, want [1 2]", got)
	}
	if err := c.do(meta.Request{Op: meta.OpHeartbeat, Host: &meta.Host{ID: 3, Name: "h3", RaftAddr: "h3:1"}}).err; !errors.Is(err, meta.ErrHostRemoved) {
		t.Errorf("the old host's heartbeat: got %v, want ErrHostRemoved", err)
	}
	c.must(meta.Request{Op: meta.OpHeartbeat, Host: &meta.Host{ID: 4, Name: "h3", RaftAddr: "h3:1"}}, nil)
	if got := onHosts(c.shard("a")); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("a heartbeat does not prove a host: replicas on %v, want [1 2] until it is proven", got)
	}
	c.prove(4)
	s := c.shard("a")
	if got := onHosts(s); fmt.Sprint(got) != "[1 2 4]" {
		t.Fatalf("once the replacement is proven, replicas on %v, want [1 2 4]", got)
	}
	r := s.Replicas[2]
	if r.ReplicaID != 4 || !r.Joined || !r.Learning {
		t.Errorf("new replica %+v: want id 4 (never reused), joined and learning", r)
	}
	c.must(meta.Request{Op: meta.OpReplicaCaughtUp, Name: "a", ReplicaID: 4}, nil)
	if !c.shard("a").CaughtUp() {
		t.Errorf("after it caught up no replica of the shard should be learning: %+v", c.shard("a"))
	}
}

func TestDrainAndRemoveHost(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	c.addModule(m1)
	for _, name := range []string{"a", "b"} {
		if _, err := c.createShard(name, m1, 3); err != nil {
			t.Fatal(err)
		}
	}
	// With nowhere to go, a drain fails and changes nothing.
	before := c.shards()
	if err := c.do(meta.Request{Op: meta.OpDrainHost, HostName: "h2"}).err; !errors.Is(err, meta.ErrNotEnoughHosts) {
		t.Fatalf("drain with no free host: got %v, want ErrNotEnoughHosts", err)
	}
	if fmt.Sprint(c.shards()) != fmt.Sprint(before) || c.hosts()["h2"].State != meta.HostActive {
		t.Fatalf("a failed drain changed the catalogue")
	}
	c.addHosts(4)
	c.must(meta.Request{Op: meta.OpDrainHost, HostName: "h2"}, nil)
	for _, s := range c.shards() {
		if got := fmt.Sprint(onHosts(s)); got != "[1 3 4]" {
			t.Errorf("shard %s after draining h2: replicas on %s, want [1 3 4]", s.Name, got)
		}
		if s.ReplicaOn(2) != 0 {
			t.Errorf("shard %s keeps a replica on h2", s.Name)
		}
	}
	if got := c.hosts()["h2"].State; got != meta.HostDraining {
		t.Errorf("h2 is %q, want draining", got)
	}
	// A draining host gets no new replicas, even when it is the least loaded.
	if s, err := c.createShard("c", m1, 3); err != nil || fmt.Sprint(onHosts(s)) != "[1 3 4]" {
		t.Errorf("create after drain = %v, %v; want replicas on [1 3 4]", onHosts(s), err)
	}
	// Heartbeats keep it draining.
	c.addHosts(2)
	if got := c.hosts()["h2"].State; got != meta.HostDraining {
		t.Errorf("after a heartbeat h2 is %q, want still draining", got)
	}
	// Until its replicas have left their groups, h2 still runs them.
	if err := c.do(meta.Request{Op: meta.OpRemoveHost, HostName: "h2"}).err; !errors.Is(err, meta.ErrHostInUse) {
		t.Errorf("removing h2 while its replicas are leaving: got %v, want ErrHostInUse", err)
	}
	for _, s := range c.shards() {
		for _, r := range s.Leaving {
			c.must(meta.Request{Op: meta.OpReplicaLeft, Name: s.Name, ReplicaID: r.ReplicaID}, nil)
		}
	}
	c.must(meta.Request{Op: meta.OpRemoveHost, HostName: "h2"}, nil)
	if _, ok := c.hosts()["h2"]; ok {
		t.Errorf("h2 is still listed as a member after its removal")
	}
	if err := c.do(meta.Request{Op: meta.OpRemoveHost, HostName: "h2"}).err; !errors.Is(err, meta.ErrHostRemoved) {
		t.Errorf("removing h2 again: got %v, want ErrHostRemoved", err)
	}
	// A live host that still has replicas must be drained first.
	if err := c.do(meta.Request{Op: meta.OpRemoveHost, HostName: "h1"}).err; !errors.Is(err, meta.ErrHostInUse) {
		t.Errorf("removing a live, loaded host: got %v, want ErrHostInUse", err)
	}
	// A dead host's replicas move to live hosts when it is removed.
	c.addHosts(5)
	c.advance(meta.LivenessTimeout)
	c.addHosts(1, 3, 5)
	c.must(meta.Request{Op: meta.OpRemoveHost, HostName: "h4"}, nil)
	for _, s := range c.shards() {
		if got := fmt.Sprint(onHosts(s)); got != "[1 3 5]" {
			t.Errorf("shard %s after removing dead h4: replicas on %s, want [1 3 5]", s.Name, got)
		}
	}
}

// TestFiveReplicaShardMoves: a shard of the most replicas can still move.
func TestFiveReplicaShardMoves(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1, 2, 3, 4, 5, 6)
	c.addModule(m1)
	if _, err := c.createShard("a", m1, 5); err != nil {
		t.Fatal(err)
	}
	if err := c.change(meta.OpMoveReplica, "a", "h1", "h6"); err != nil {
		t.Fatalf("move a replica of a 5-replica shard: %v", err)
	}
	// h1 is no room for h2's replica until its own has left.
	if err := c.do(meta.Request{Op: meta.OpDrainHost, HostName: "h2"}).err; !errors.Is(err, meta.ErrNotEnoughHosts) {
		t.Fatalf("drain while h1's replica is leaving: got %v, want ErrNotEnoughHosts", err)
	}
	c.must(meta.Request{Op: meta.OpReplicaLeft, Name: "a", ReplicaID: c.shard("a").Leaving[0].ReplicaID}, nil)
	c.must(meta.Request{Op: meta.OpDrainHost, HostName: "h2"}, nil)
	if got := fmt.Sprint(onHosts(c.shard("a"))); got != "[3 4 5 6 1]" {
		t.Errorf("after the move and the drain: replicas on %s, want [3 4 5 6 1]", got)
	}
}

// TestOnlyReplicaOfDeadHost: removing a dead host that holds a shard's only
// replica would lose the shard, so it is refused.
func TestOnlyReplicaOfDeadHost(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1, 2)
	c.addModule(m1)
	s, err := c.createShard("a", m1, 1)
	if err != nil {
		t.Fatal(err)
	}
	c.advance(meta.LivenessTimeout)
	c.addHosts(3 - s.Replicas[0].HostID) // the other host stays alive
	name := fmt.Sprintf("h%d", s.Replicas[0].HostID)
	if err := c.do(meta.Request{Op: meta.OpRemoveHost, HostName: name}).err; !errors.Is(err, meta.ErrHostInUse) {
		t.Fatalf("removing the dead host of a shard's only replica: got %v, want ErrHostInUse", err)
	}
	if got := onHosts(c.shard("a")); fmt.Sprint(got) != fmt.Sprint(onHosts(s)) {
		t.Errorf("the refused removal moved the replica to %v", got)
	}
}

func TestChangeReplicas(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1, 2, 3, 4)
	c.addModule(m1)
	if _, err := c.createShard("a", m1, 3); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name               string
		op                 meta.Op
		host, target       string
		want               error
		wantHosts          string
		wantCount, wantIDs int
		wantLeaderOnHost   uint64
	}{
		{name: "add on a host with one", op: meta.OpAddReplica, host: "h1", want: meta.ErrReplicaExists},
		{name: "add on an unknown host", op: meta.OpAddReplica, host: "h9", want: meta.ErrHostNotFound},
		{name: "add", op: meta.OpAddReplica, host: "h4", wantHosts: "[1 2 3 4]", wantCount: 4},
		{name: "remove", op: meta.OpRemoveReplica, host: "h1", wantHosts: "[2 3 4]", wantCount: 3},
		{name: "remove one it lacks", op: meta.OpRemoveReplica, host: "h1", want: meta.ErrReplicaNotFound},
		{name: "move onto a host with one", op: meta.OpMoveReplica, host: "h2", target: "h3", want: meta.ErrReplicaExists},
		{name: "move onto a host whose old replica is leaving", op: meta.OpMoveReplica, host: "h2", target: "h1", want: meta.ErrReplicaExists},
		{name: "the old replica leaves", op: meta.OpReplicaLeft, wantHosts: "[2 3 4]", wantCount: 3},
		{name: "move", op: meta.OpMoveReplica, host: "h2", target: "h1", wantHosts: "[3 4 1]", wantCount: 3},
		{name: "transfer to a host without one", op: meta.OpTransferLeader, host: "h2", want: meta.ErrReplicaNotFound},
		{name: "transfer", op: meta.OpTransferLeader, host: "h4", wantHosts: "[3 4 1]", wantCount: 3, wantLeaderOnHost: 4},
	} {
		var err error
		if tt.op == meta.OpReplicaLeft {
			err = c.do(meta.Request{Op: meta.OpReplicaLeft, Name: "a", ReplicaID: c.shard("a").Leaving[0].ReplicaID}).err
		} else {
			err = c.change(tt.op, "a", tt.host, tt.target)
		}
		if !errors.Is(err, tt.want) {
			t.Fatalf("%s: got %v, want %v", tt.name, err, tt.want)
		}
		if tt.want != nil {
			continue
		}
		s := c.shard("a")
		if got := fmt.Sprint(onHosts(s)); got != tt.wantHosts || s.ReplicaCount != tt.wantCount {
			t.Errorf("%s: replicas on %s (count %d), want %s (%d)", tt.name, got, s.ReplicaCount, tt.wantHosts, tt.wantCount)
		}
		if _, ok := s.Replica(s.Leader); !ok {
			t.Errorf("%s: preferred leader %d is not a replica", tt.name, s.Leader)
		}
		if tt.wantLeaderOnHost != 0 && s.ReplicaOn(tt.wantLeaderOnHost) != s.Leader {
			t.Errorf("%s: preferred leader %d, want the replica on host %d", tt.name, s.Leader, tt.wantLeaderOnHost)
		}
	}
	// Replica ids are never reused: h1 left and came back as a new replica.
	if s := c.shard("a"); s.ReplicaOn(1) <= 3 {
		t.Errorf("h1's replica came back with id %d, an id already used", s.ReplicaOn(1))
	}
	for _, h := range []string{"h3", "h4"} {
		if err := c.change(meta.OpRemoveReplica, "a", h, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.change(meta.OpRemoveReplica, "a", "h1", ""); !errors.Is(err, meta.ErrInvalidArgument) {
		t.Errorf("removing the last replica: got %v, want ErrInvalidArgument", err)
	}
}

// BenchmarkListHostsOfIdleHour lists the hosts of a cluster of three
// that has heartbeated for an hour, with the memtable of a host's store
// (16 MiB) not yet flushed: every version of each host's record is still
// in it.
func BenchmarkListHostsOfIdleHour(b *testing.B) {
	c := newCatalogueWith(b, store.Options{})
	c.addHosts(1, 2, 3)
	for range time.Hour / meta.HeartbeatInterval {
		c.addUnproven(1, 2, 3)
	}
	for b.Loop() {
		out, err := c.query(meta.Request{Op: meta.OpListHosts})
		var hosts []meta.Host
		if err == nil {
			err = meta.Decode(out, &hosts)
		}
		if err != nil || len(hosts) != 3 {
			b.Fatalf("listed %d hosts, err %v; want 3", len(hosts), err)
		}
	}
}
