package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestQuiescedShardFailsOver kills, with SIGKILL, the leader's host of a
// shard whose followers have quiesced (their logs say so: no heartbeats,
// no election timer), and checks that, with no client calling, the
// followers elect a new leader (their hosts wake them once the catalogue
// sees the leader's host dead; quiesced followers left alone never
// would), and that the next write through the gateway succeeds.
func TestQuiescedShardFailsOver(t *testing.T) {
	t.Parallel() // it mostly waits: for timers, not for the CPU
	pc := startProcessClusterLogged(t, 3, true)
	gw := pc.gateway(t)
	createKVShard(t, gw, "quiet")
	put := func(key string) bool {
		_, _, ok := synod(t, gw.addr, "", "propose", "quiet", fmt.Sprintf(`{"op":"put","key":%q,"value":"v"}`, key))
		return ok
	}
	waitFor(t, 30*time.Second, func() bool { return put("before") })
	p := shardOf(t, gw, "quiet")
	id, replicas := p.id, p.replicaOn

	// Who leads, and whether a replica quiesced, the hosts' logs say:
	// asking a host would wake its replica. Leadership may have moved
	// since the shard was created (the hosts balance leaders), so the
	// leader is the last replica that became one.
	lastLine := func(host int, words ...string) string {
		tag := fmt.Sprintf("[%05d:%05d]", id, replicas[host])
		last := ""
		for line := range strings.Lines(pc.logs[host-1].String()) {
			if !strings.Contains(line, tag) {
				continue
			}
			for _, w := range words {
				if strings.Contains(line, w) {
					last = line
				}
			}
		}
		return last
	}
	leader := 0
	waitFor(t, 2*time.Minute, func() bool {
		latest := ""
		for h := 1; h <= 3; h++ {
			if l := lastLine(h, "became leader"); l > latest { // lines start with their time
				leader, latest = h, l
			}
		}
		for h := 1; h <= 3; h++ {
			if h != leader && !strings.Contains(lastLine(h, "entered quiesce", "exited from quiesce"), "entered quiesce") {
				return false
			}
		}
		return leader != 0
	})
	before := lastLine(leader, "became leader")
	pc.hosts[leader-1].kill(t)
	killed := time.Now()
	waitFor(t, time.Minute, func() bool {
		for h := 1; h <= 3; h++ {
			if l := lastLine(h, "became leader"); h != leader && l > before {
				return true
			}
		}
		return false
	})
	t.Logf("the followers elected a leader %v after SIGKILL of the quiesced shard's leader's host h%d", time.Since(killed).Round(time.Millisecond), leader)
	if !put("after") {
		t.Fatal("a write after the election failed")
	}
}
