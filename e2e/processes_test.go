package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/server"
	"github.com/synodhq/synod/internal/testport"
	"github.com/synodhq/synod/internal/testtime"
	"github.com/synodhq/synod/internal/testwasm"
)

// processCluster is a cluster of `synod host` processes on loopback.
type processCluster struct {
	dir      string
	initial  string
	apiAddrs []string
	urls     []string
	hosts    []*devProcess
	logs     []*syncBuffer // each host's debug log, if kept
}

// startProcessCluster starts n host processes with a shared initial member
// list. The first hosts take their settings from flags, the last from the
// environment, as a container would give them.
func startProcessCluster(t *testing.T, n int) *processCluster {
	return startProcessClusterLogged(t, n, false)
}

// startProcessClusterLogged is startProcessCluster, keeping each host's
// debug log (dragonboat's included) in pc.logs if logged.
func startProcessClusterLogged(t *testing.T, n int, logged bool) *processCluster {
	pc := &processCluster{dir: t.TempDir(), apiAddrs: make([]string, n), hosts: make([]*devProcess, n)}
	if logged {
		for range n {
			pc.logs = append(pc.logs, &syncBuffer{})
		}
	}
	var members []string
	for i := 1; i <= n; i++ {
		members = append(members, fmt.Sprintf("h%d=%s", i, testport.Addr(t)))
	}
	pc.initial = strings.Join(members, ",")
	for i := range n {
		pc.apiAddrs[i] = testport.Addr(t)
		pc.start(t, i)
		pc.urls = append(pc.urls, pc.hosts[i].addr)
	}
	return pc
}

// hostArgs returns the command line that starts the i-th host with flags.
func (pc *processCluster) hostArgs(i int) []string {
	name, data := fmt.Sprintf("h%d", i+1), filepath.Join(pc.dir, fmt.Sprintf("h%d", i+1))
	return []string{"host", "--name", name, "--data-dir", data, "--listen", pc.apiAddrs[i], "--initial-cluster", pc.initial}
}

// start starts (or restarts) the i-th host from its data dir.
func (pc *processCluster) start(t *testing.T, i int) {
	n := len(pc.hosts)
	args, env := pc.hostArgs(i), []string(nil)
	if i == n-1 {
		name, data := fmt.Sprintf("h%d", i+1), filepath.Join(pc.dir, fmt.Sprintf("h%d", i+1))
		args = []string{"host"}
		env = []string{"SYNOD_NAME=" + name, "SYNOD_DATA_DIR=" + data, "SYNOD_LISTEN=" + pc.apiAddrs[i], "SYNOD_INITIAL_CLUSTER=" + pc.initial}
	}
	if pc.logs == nil {
		pc.hosts[i] = startSynod(t, env, "internal API on ", args...)
		return
	}
	cmd := exec.Command(synodBinary(t), append(args, "--log-level", "debug")...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = pc.logs[i]
	pc.hosts[i] = runSynod(t, cmd, "internal API on ")
}

// placement is where a shard's replicas are, as the gateway reports it.
type placement struct {
	id         uint64
	leaderHost int            // 1-based
	replicaOn  map[int]uint64 // host → replica id
}

// shardOf returns where a shard's replicas are, once the gateway reports a
// leader for it: while an election runs (a new shard's first, a leadership
// transfer by the steerer, a leader's loss) it reports none.
func shardOf(t *testing.T, gw *devProcess, name string) placement {
	t.Helper()
	d := testtime.Scaled(30 * time.Second)
	deadline := time.Now().Add(d)
	for {
		p, got := placementOf(t, gw, name)
		if p.leaderHost >= 1 {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leader host for shard %s within %v: the gateway last said %s", name, d, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// placementOf returns where a shard's replicas are as the gateway reports
// it now (leaderHost -1 when it knows no leader), and the report.
func placementOf(t *testing.T, gw *devProcess, name string) (placement, string) {
	t.Helper()
	var shard struct {
		Shard struct {
			ID       string `json:"id"`
			Leader   string `json:"leaderReplicaId"`
			Replicas []struct {
				ReplicaID string `json:"replicaId"`
				HostID    string `json:"hostId"`
			} `json:"replicas"`
		} `json:"shard"`
	}
	out := mustSynod(t, gw.addr, "shard", "get", name, "--json")
	if err := json.Unmarshal([]byte(out), &shard); err != nil {
		t.Fatalf("shard get: %v", err)
	}
	p := placement{leaderHost: -1, replicaOn: make(map[int]uint64)}
	fmt.Sscan(shard.Shard.ID, &p.id)
	for _, r := range shard.Shard.Replicas {
		var host int
		var replica uint64
		fmt.Sscan(r.HostID, &host)
		fmt.Sscan(r.ReplicaID, &replica)
		p.replicaOn[host] = replica
		if r.ReplicaID == shard.Shard.Leader {
			p.leaderHost = host
		}
	}
	return p, out
}

// gateway starts a gateway process seeded with the given hosts' URLs, and
// logs the CLI in to it with the cluster's admin key.
func (pc *processCluster) gateway(t *testing.T, seeds ...string) *devProcess {
	if len(seeds) == 0 {
		seeds = pc.urls
	}
	gw := startSynod(t, nil, "serving on ", "gateway", "--listen", testport.Addr(t), "--hosts", strings.Join(seeds, ","))
	token := pc.adminToken(t)
	waitFor(t, 30*time.Second, func() bool {
		_, _, ok := synod(t, gw.addr, token+"\n", "login")
		return ok
	})
	return gw
}

// adminToken returns the cluster's first admin token, which the first
// host writes to its data dir on its first start.
func (pc *processCluster) adminToken(t *testing.T) string {
	path := filepath.Join(pc.dir, "h1", server.AdminTokenFile)
	var tok access.Token
	waitFor(t, 30*time.Second, func() bool {
		var err error
		tok, err = server.ReadToken(path)
		return err == nil
	})
	return tok.String()
}

// client returns an HTTP client that presents the cluster's admin key.
func (pc *processCluster) client(t *testing.T) *http.Client {
	return &http.Client{Transport: access.Bearer(pc.adminToken(t), &http.Transport{MaxIdleConnsPerHost: 64})}
}

// createKVShard creates a kv shard of 3 replicas through gw, retrying
// while the hosts, which register in the background, cannot place it yet.
func createKVShard(t *testing.T, gw *devProcess, name string) {
	t.Helper()
	kv := testwasm.Path(t, testwasm.KV)
	tried := false
	waitFor(t, 30*time.Second, func() bool {
		_, stderr, ok := synod(t, gw.addr, "", "shard", "create", name, "--module", kv, "--replicas", "3")
		// A try that failed as unavailable may have created it: the
		// cluster is the test's own, so the shard is this test's.
		ok = ok || tried && strings.Contains(stderr, "already exists")
		tried = true
		return ok
	})
}

// TestClusterOfProcesses runs three `synod host` processes and a `synod
// gateway` process on loopback, kills the host that leads a shard with
// SIGKILL while writing, and restarts it.
func TestClusterOfProcesses(t *testing.T) {
	const n = 3
	pc := startProcessCluster(t, n)
	hosts, urls := pc.hosts, pc.urls
	gw := pc.gateway(t)

	createKVShard(t, gw, "proc")
	acked := map[string]bool{}
	put := func(key string) bool {
		_, _, ok := synod(t, gw.addr, "", "propose", "proc", fmt.Sprintf(`{"op":"put","key":%q,"value":"v"}`, key))
		if ok {
			acked[key] = true
		}
		return ok
	}
	for i := range 20 {
		if !put(fmt.Sprintf("before-%02d", i)) {
			t.Fatalf("put before-%02d failed", i)
		}
	}

	p := shardOf(t, gw, "proc")
	id, leader := p.id, p.leaderHost
	hosts[leader-1].kill(t)
	killed := time.Now()
	waitFor(t, 10*time.Second, func() bool { return put("after-kill") })
	t.Logf("writes flowed again %v after SIGKILL of the leader's host h%d", time.Since(killed).Round(time.Millisecond), leader)
	for i := range 20 {
		if !put(fmt.Sprintf("after-%02d", i)) {
			t.Fatalf("put after-%02d failed", i)
		}
	}
	// synod status shows the killed host as unreachable, the others as up.
	var status struct {
		Hosts []struct {
			ID        string `json:"id"`
			Reachable bool   `json:"reachable"`
		} `json:"hosts"`
	}
	if err := json.Unmarshal([]byte(mustSynod(t, gw.addr, "status", "--json")), &status); err != nil {
		t.Fatalf("status: %v", err)
	}
	for _, h := range status.Hosts {
		if h.Reachable == (h.ID == fmt.Sprint(leader)) {
			t.Errorf("status: host %s reachable = %v after host %d was killed", h.ID, h.Reachable, leader)
		}
	}
	if len(status.Hosts) != n {
		t.Errorf("status lists %d hosts, want %d", len(status.Hosts), n)
	}
	t.Logf("synod status after the kill:\n%s", mustSynod(t, gw.addr, "status"))

	out := mustSynod(t, gw.addr, "query", "proc", `{"op":"list","limit":1000}`)
	for key := range acked {
		if !strings.Contains(out, fmt.Sprintf("%q", key)) {
			t.Errorf("acknowledged key %s is missing after the kill", key)
		}
	}

	// Gateways hold no state: with one killed, another serves, and a new
	// one serves at once.
	gw2 := pc.gateway(t, urls[leader%n])
	gw.kill(t)
	if out := mustSynod(t, gw2.addr, "query", "proc", `{"op":"get","key":"after-kill"}`); !strings.Contains(out, `"found":true`) {
		t.Fatalf("second gateway: get after-kill = %q", out)
	}
	gw3 := pc.gateway(t)
	if _, errOut, ok := synod(t, gw3.addr, "", "propose", "proc", `{"op":"put","key":"fresh-gateway","value":"v"}`); !ok {
		t.Fatalf("a fresh gateway did not serve at once: %s", errOut)
	}

	// The killed host restarts from its data and catches up.
	pc.start(t, leader-1)
	restarted := hostapi.NewClient(uint64(leader), hosts[leader-1].addr, http.DefaultClient)
	other := hostapi.NewClient(uint64(leader%n+1), urls[leader%n], http.DefaultClient)
	waitFor(t, 30*time.Second, func() bool {
		a, b := statusOf(restarted, id), statusOf(other, id)
		return a.HasReplica && b.HasReplica && a.AppliedIndex == b.AppliedIndex
	})
}
