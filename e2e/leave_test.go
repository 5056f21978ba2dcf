package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/synodhq/synod/internal/testtime"
	"github.com/synodhq/synod/internal/testwasm"
)

// TestStoppedHostHandsLeadershipOver sends SIGTERM to the `synod host`
// process that leads a new shard: before it exits, it tells its peers
// that it is leaving, and hands the leadership over, so that the shard
// has a leader when it goes. The new leader's steerer, which would move
// a new shard's leadership straight back to its preferred replica on a
// host the catalogue still counts as up, leaves it be.
func TestStoppedHostHandsLeadershipOver(t *testing.T) {
	pc := startProcessClusterLogged(t, 3, true)
	gw := pc.gateway(t)
	kv := testwasm.Path(t, testwasm.KV)
	waitFor(t, 30*time.Second, func() bool {
		_, _, ok := synod(t, gw.addr, "", "shard", "create", "leave", "--module", kv, "--replicas", "3")
		return ok
	})
	mustSynod(t, gw.addr, "propose", "leave", `{"op":"put","key":"a","value":"1"}`)
	p := shardOf(t, gw, "leave")
	leader := p.leaderHost
	stopping := pc.hosts[leader-1]

	if err := stopping.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM host h%d: %v", leader, err)
	}
	done := make(chan error, 1)
	go func() { done <- stopping.wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("host h%d exited with %v after SIGTERM", leader, err)
		}
	case <-time.After(testtime.Scaled(30 * time.Second)):
		t.Fatalf("host h%d still runs 30 s after SIGTERM", leader)
	}
	log := pc.logs[leader-1].String()
	if strings.Contains(log, "not every peer heard it") {
		t.Errorf("host h%d could not tell every peer it was leaving; its log:\n%s", leader, log)
	}
	if !strings.Contains(log, "handed leaderships over before stopping") || strings.Contains(log, `"handed leaderships over before stopping" shards=0`) {
		t.Fatalf("host h%d did not hand the shard's leadership over; its log:\n%s", leader, log)
	}
	for i := range 3 {
		if i == leader-1 {
			continue
		}
		waitFor(t, 10*time.Second, func() bool {
			return strings.Contains(pc.logs[i].String(), fmt.Sprintf("a peer is leaving: no leadership moves to it for a while\" host=h%d peer=%d", i+1, leader))
		})
	}
	// The shard answers at once, led elsewhere.
	mustSynod(t, gw.addr, "propose", "leave", `{"op":"put","key":"b","value":"2"}`)
	if p := shardOf(t, gw, "leave"); p.leaderHost == leader {
		t.Fatalf("the stopped host h%d still leads the shard", leader)
	}
	// Without the word, the new leader's steerer asks, within a reconcile
	// pass (1 s), to move the leadership back to the stopped host, which
	// the catalogue counts as up for 10 s after its last heartbeat.
	back := fmt.Sprintf("transfer leadership to replica %d of host %d", p.replicaOn[leader], leader)
	for end := time.Now().Add(testtime.Scaled(3 * time.Second)); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		for i := range 3 {
			if i != leader-1 && strings.Contains(pc.logs[i].String(), back) {
				t.Fatalf("host h%d asked to move the leadership back to the stopped host h%d; its log:\n%s", i+1, leader, pc.logs[i].String())
			}
		}
	}
}
