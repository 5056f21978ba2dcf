package e2e

import (
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/testtime"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestDrainStatus drains a host and checks that status tells the truth
// about it: right after the drain, the host's replica is leaving, not
// gone, and the drain is complete only once the replica has left its
// group, after which its host stops it.
func TestDrainStatus(t *testing.T) {
	c := startCluster(t, host.Config{}, true)
	s := c.kvShard(t, "moving", 1)
	const keys = 50
	for i := range keys {
		c.mustPropose(t, "moving", kvCmd{Op: "put", Key: fmt.Sprintf("k%02d", i), Value: "v"})
	}
	ops := synodv1connect.NewClusterServiceClient(c.Client(), c.URL())
	from := s.GetReplicas()[0]
	hostStatus := func() *synodv1.HostStatus {
		res, err := ops.GetStatus(t.Context(), connect.NewRequest(&synodv1.GetStatusRequest{}))
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		for _, h := range res.Msg.GetHosts() {
			if h.GetId() == from.GetHostId() {
				return h
			}
		}
		t.Fatalf("status lists no host %d", from.GetHostId())
		return nil
	}

	if _, err := ops.DrainHost(t.Context(), connect.NewRequest(&synodv1.DrainHostRequest{Host: from.GetHostName()})); err != nil {
		t.Fatalf("drain %s: %v", from.GetHostName(), err)
	}
	// The replacement has yet to start, catch up and become a voter: the
	// drained host's replica is still a member of the shard's group.
	if h := hostStatus(); h.GetState() != "draining" || h.GetReplicas() != 0 || h.GetLeaving() != 1 || h.GetDrained() {
		t.Errorf("right after the drain, host %s is %q with %d replicas, %d leaving, drained %v: want draining, 0, 1, false",
			h.GetName(), h.GetState(), h.GetReplicas(), h.GetLeaving(), h.GetDrained())
	}
	waitFor(t, 60*time.Second, func() bool { return hostStatus().GetDrained() })
	if h := hostStatus(); h.GetLeaving() != 0 || h.GetReplicas() != 0 {
		t.Errorf("drained host %s has %d replicas and %d leaving, want none", h.GetName(), h.GetReplicas(), h.GetLeaving())
	}
	waitFor(t, 30*time.Second, func() bool {
		return !statusOf(c.Host(int(from.GetHostId()-1)), s.GetId()).HasReplica
	})
	if got := c.mustQuery(t, "moving", kvCmd{Op: "list", Limit: 1000}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE); len(got.Items) != keys {
		t.Errorf("after the drain the shard holds %d keys, want %d", len(got.Items), keys)
	}
}

// TestRemovedHostExits drains and removes a live host process, as
// docs/operations.md tells an operator to. The host removed is the meta
// shard's leader, to which the gateway sends the call that removes it:
// the call gets its answer, and the host exits with status 0 (as a
// removed etcd member does). Started again, it logs that it was removed
// and ends at once in the same way.
func TestRemovedHostExits(t *testing.T) {
	pc := startProcessCluster(t, 3)
	gw := pc.gateway(t)
	var leader uint64 // a meta replica's id is its host's
	waitFor(t, 60*time.Second, func() bool {
		st := statusOf(hostapi.NewClient(1, pc.urls[0], http.DefaultClient), meta.ShardID)
		leader = st.LeaderReplicaID
		return st.HasLeader
	})
	name := fmt.Sprintf("h%d", leader)

	mustSynod(t, gw.addr, "host", "drain", name)
	drained := regexp.MustCompile(fmt.Sprintf(`(?m)^%s\s+%d\s+drained\s`, name, leader))
	waitFor(t, 60*time.Second, func() bool {
		out, _, ok := synod(t, gw.addr, "", "status")
		return ok && drained.MatchString(out)
	})
	mustSynod(t, gw.addr, "host", "remove", name)

	removed := pc.hosts[leader-1]
	exited := make(chan error, 1)
	go func() { exited <- removed.wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the removed host exited with %v, want status 0", err)
		}
	case <-time.After(testtime.Scaled(60 * time.Second)):
		t.Fatalf("the removed host still runs 60 s after its removal")
	}

	// Started again, it ends at once in the same way.
	log := &syncBuffer{}
	again := runHostLogged(t, pc, int(leader-1), log)
	go func() { exited <- again.wait() }()
	select {
	case err := <-exited:
		if err != nil || !strings.Contains(log.String(), "this host was removed from the cluster") {
			t.Errorf("a removed host started again ended with %v; its log:\n%s", err, log)
		}
	case <-time.After(testtime.Scaled(60 * time.Second)):
		t.Fatalf("a removed host started again still runs after 60 s; its log:\n%s", log)
	}
}

// runHostLogged starts the i-th host of pc again, its standard error
// (the log) going to log.
func runHostLogged(t *testing.T, pc *processCluster, i int, log *syncBuffer) *devProcess {
	cmd := exec.Command(synodBinary(t), pc.hostArgs(i)...)
	cmd.Stderr = log
	p := runSynod(t, cmd, "internal API on ")
	pc.hosts[i] = p
	return p
}
