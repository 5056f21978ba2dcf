package e2e

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/testtime"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestIdleReplicasHibernate lets a shard's replicas hibernate (stopped
// after a second without calls or Raft messages) while another shard,
// written to all along, stays up; asking hosts about the sleeping shard
// does not wake it, and its replicas still report what they hold. A
// linearizable read on one host then wakes it, and a write through the
// gateway follows, with nothing lost. A stale read on one host wakes it
// first, and answers at once; the linearizable read that follows there
// finds the replica awake without a leader (whether it then campaigns at
// once or after its election timeout, host.TestAskCampaign and
// bench/cmd/idle tell). Woken for these reads alone, the shard applies no
// entry before it sleeps again: a verify entry covered its write.
// Once it sleeps again, a write to one host wakes the others through
// Raft. Each call made of a host directly, where no gateway retries,
// succeeds at the first try: the woken replica campaigns at once, and the
// call waits for its Raft clock to tick (see host/hibernate.go).
// Once it sleeps again, one host is stopped: the next write wakes the
// other two, which elect a leader without it. Once they sleep again, the
// stopped host comes back, and a read there of at least that write's
// index, which its replica lacks, wakes the shard and answers at the
// first try (host.TestWaitAppliedAsksCampaign checks that its replica
// asks for a campaign; this test logs how long the read took).
func TestIdleReplicasHibernate(t *testing.T) {
	t.Parallel() // it mostly waits: for timers, not for the CPU
	c := startCluster(t, host.Config{HibernateAfter: time.Second}, true)
	sleepy := c.kvShard(t, "sleepy", 3)
	busy := c.kvShard(t, "busy", 3)
	first := c.mustPropose(t, "sleepy", kvCmd{Op: "put", Key: "a", Value: "1"})
	// A verify entry covers the write (the leader would propose one soon
	// anyway), so that the reads below find nothing left to verify.
	waitFor(t, time.Minute, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), testtime.Scaled(5*time.Second))
		defer cancel()
		_, err := c.Host(c.leaderIndex(t, sleepy)).Verify(ctx, sleepy.GetId())
		return err == nil
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var busyWrites atomic.Int64
	go func() {
		for i := 0; ctx.Err() == nil; i++ {
			if _, err := c.propose(ctx, "busy", kvCmd{Op: "put", Key: fmt.Sprint(i), Value: "v"}); err == nil {
				busyWrites.Add(1)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()

	c.waitAllHibernating(t, sleepy)
	asleep := make([]uint64, 3)
	for i := range 3 {
		if st := statusOf(c.Host(i), busy.GetId()); st.Hibernating {
			t.Errorf("host %d: a replica of the shard written to every 100 ms hibernated", c.Host(i).ID())
		}
		st := statusOf(c.Host(i), sleepy.GetId())
		if !st.Hibernating || !st.HasReplica || st.HasLeader || st.AppliedIndex < first.GetIndex() || st.Checksum == nil {
			t.Errorf("host %d, asked again: %+v; want a hibernating replica that names no leader and has applied %d", c.Host(i).ID(), st, first.GetIndex())
		}
		if !st.Covered {
			t.Fatalf("host %d: its hibernating replica's state does not count as covered by the verify entry after the write: %+v", c.Host(i).ID(), st)
		}
		asleep[i] = st.AppliedIndex
	}
	cancel()
	if busyWrites.Load() == 0 {
		t.Fatal("no write to the busy shard succeeded")
	}

	// Calls made of a host directly have no gateway to retry them: each
	// of these must succeed at the first try.
	callCtx, callCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer callCancel()
	stale, err := c.Host(1).Query(callCtx, sleepy.GetId(), host.Read{Payload: kvCmd{Op: "get", Key: "a"}.bytes(), Consistency: host.Stale})
	if err != nil {
		t.Fatalf("host %d, first stale read of its hibernating replica: %v", c.Host(1).ID(), err)
	}
	if got := decodeKV(t, stale.Output); got.Value != "1" {
		t.Fatalf("after waking for a stale read, a = %q, want 1", got.Value)
	}
	read, err := c.Host(1).Query(callCtx, sleepy.GetId(), host.Read{Payload: kvCmd{Op: "get", Key: "a"}.bytes(), Consistency: host.Linearizable})
	if err != nil {
		t.Fatalf("host %d, first linearizable read of its hibernating replica: %v", c.Host(1).ID(), err)
	}
	if got := decodeKV(t, read.Output); got.Value != "1" {
		t.Fatalf("after waking, a = %q, want 1", got.Value)
	}
	// Woken only to be read, the shard applies no entry (an election's
	// entry is Raft's, not the state machine's): in particular no verify
	// entry, since one already covers the state it holds.
	c.waitAllHibernating(t, sleepy)
	for i := range 3 {
		if st := statusOf(c.Host(i), sleepy.GetId()); st.AppliedIndex != asleep[i] {
			t.Errorf("host %d: its replica applied up to %d after a wake for reads alone, from %d", c.Host(i).ID(), st.AppliedIndex, asleep[i])
		}
	}
	second := c.mustPropose(t, "sleepy", kvCmd{Op: "put", Key: "b", Value: "2"})
	c.waitApplied(t, sleepy.GetId(), second.GetIndex())
	want := []kvItem{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}
	for i := range 3 {
		if got := localList(t, c.Host(i), sleepy.GetId()); !slices.Equal(got, want) {
			t.Fatalf("host %d holds %v after waking, want %v", c.Host(i).ID(), got, want)
		}
	}

	// A call to one host wakes its replica alone; the Raft messages of
	// the election that follows wake the others.
	c.waitAllHibernating(t, sleepy)
	if _, err := c.Host(0).Propose(callCtx, sleepy.GetId(), host.Command{Payload: kvCmd{Op: "put", Key: "a", Value: "1"}.bytes()}); err != nil {
		t.Fatalf("host %d, first write to its hibernating replica, without an idempotency key: %v", c.Host(0).ID(), err)
	}
	if statusOf(c.Host(1), sleepy.GetId()).Hibernating && statusOf(c.Host(2), sleepy.GetId()).Hibernating {
		t.Fatal("a call to one host's replica was answered while both others hibernate")
	}

	c.waitAllHibernating(t, sleepy)
	const stopped = 2
	if err := c.StopHost(stopped); err != nil {
		t.Fatal(err)
	}
	third := c.mustPropose(t, "sleepy", kvCmd{Op: "put", Key: "c", Value: "3"})
	c.waitHibernating(t, sleepy, 0, 1)
	if err := c.RestartHost(context.Background(), stopped); err != nil {
		t.Fatal(err)
	}
	// The restarted host's replica lacks the third write, which only its
	// sleeping peers hold: a read there of at least its index wakes it,
	// and it wakes them by campaigning.
	waitFor(t, time.Minute, func() bool { return statusOf(c.Host(stopped), sleepy.GetId()).HasReplica })
	if st := statusOf(c.Host(stopped), sleepy.GetId()); st.AppliedIndex >= third.GetIndex() {
		t.Fatalf("host %d, back: its replica has applied %d, which it was down for", c.Host(stopped).ID(), st.AppliedIndex)
	}
	readCtx, readCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer readCancel()
	start := time.Now()
	caughtUp, err := c.Host(stopped).Query(readCtx, sleepy.GetId(), host.Read{Payload: kvCmd{Op: "get", Key: "c"}.bytes(), Consistency: host.AtLeastIndex, MinIndex: third.GetIndex()})
	if err != nil {
		t.Fatalf("host %d, back with its replica behind, first read of at least index %d: %v", c.Host(stopped).ID(), third.GetIndex(), err)
	}
	if got := decodeKV(t, caughtUp.Output); got.Value != "3" {
		t.Fatalf("host %d, back, read c = %q at least at index %d, want 3", c.Host(stopped).ID(), got.Value, third.GetIndex())
	}
	t.Logf("host %d, back with its replica behind and its peers asleep, read at least index %d in %v", c.Host(stopped).ID(), third.GetIndex(), time.Since(start))
	c.waitApplied(t, sleepy.GetId(), third.GetIndex())
	want = append(want, kvItem{Key: "c", Value: "3"})
	for i := range 3 {
		if got := localList(t, c.Host(i), sleepy.GetId()); !slices.Equal(got, want) {
			t.Fatalf("host %d holds %v, want %v", c.Host(i).ID(), got, want)
		}
	}
}

// waitAllHibernating waits until every host's replica of s hibernates.
func (c *cluster) waitAllHibernating(tb testing.TB, s *synodv1.Shard) {
	tb.Helper()
	c.waitHibernating(tb, s, 0, 1, 2)
}

// waitHibernating waits until the replicas of s on the hosts of these
// indexes hibernate.
func (c *cluster) waitHibernating(tb testing.TB, s *synodv1.Shard, hosts ...int) {
	tb.Helper()
	waitFor(tb, time.Minute, func() bool {
		for _, i := range hosts {
			if !statusOf(c.Host(i), s.GetId()).Hibernating {
				return false
			}
		}
		return true
	})
}

// TestUnwrittenShardsHibernateSoon creates two shards on hosts that let
// replicas idle for 5 minutes before they hibernate, and writes to one:
// the replicas of the other, which has never applied a command, hibernate
// after 10 s without calls (host.freshHibernateAfter), while the written
// shard's stay up. A write then wakes the sleeping shard.
func TestUnwrittenShardsHibernateSoon(t *testing.T) {
	t.Parallel() // it mostly waits: for timers, not for the CPU
	c := startCluster(t, host.Config{HibernateAfter: 5 * time.Minute}, true)
	fresh := c.kvShard(t, "fresh", 3)
	written := c.kvShard(t, "written", 3)
	c.mustPropose(t, "written", kvCmd{Op: "put", Key: "a", Value: "1"})

	c.waitAllHibernating(t, fresh)
	for i := range 3 {
		if statusOf(c.Host(i), written.GetId()).Hibernating {
			t.Errorf("host %d: a replica of the shard written to hibernated before 5 minutes without calls", c.Host(i).ID())
		}
	}
	put := c.mustPropose(t, "fresh", kvCmd{Op: "put", Key: "b", Value: "2"})
	c.waitApplied(t, fresh.GetId(), put.GetIndex())
	for i := range 3 {
		if got := localList(t, c.Host(i), fresh.GetId()); !slices.Equal(got, []kvItem{{Key: "b", Value: "2"}}) {
			t.Fatalf("host %d holds %v after the write that woke it", c.Host(i).ID(), got)
		}
	}
}
