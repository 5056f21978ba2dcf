package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/gateway"
	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/testtime"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// cluster is a dev cluster under test with clients for its gateway.
type cluster struct {
	*dev.Cluster
	modules synodv1connect.ModuleServiceClient
	shards  synodv1connect.ShardServiceClient
	data    synodv1connect.DataServiceClient
}

// startCluster starts a 3-host dev cluster in a temp dir, closed when the
// test ends. With network, the gateway reaches the hosts through their
// internal API over loopback HTTP, as separate processes would.
func startCluster(tb testing.TB, hc host.Config, network bool) *cluster {
	tb.Helper()
	return newClients(startInProcess(tb, dev.Config{Network: network, Hosts: 3, Host: hc}))
}

// startInProcess starts an in-process dev cluster of cfg, closed when the
// test ends (see closeWithin). What cfg leaves empty of its data dir,
// module cache, listen address and logger, startInProcess fills in: a
// temp dir, the tests' shared cache, a loopback port and no logs.
func startInProcess(tb testing.TB, cfg dev.Config) *dev.Cluster {
	tb.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = tb.TempDir()
	}
	if cfg.CacheDir == "" {
		cfg.CacheDir = testwasm.CacheDir(tb)
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c, err := dev.Start(tb.Context(), cfg)
	if err != nil {
		tb.Fatalf("start dev cluster: %v", err)
	}
	tb.Cleanup(func() {
		if err := closeWithin(time.After(testtime.Scaled(time.Minute)), c.Close); err != nil {
			tb.Errorf("close dev cluster: %v", err)
		}
	})
	return c
}

// closeWithin runs stop, and waits for it until timeout. A stop still
// under way then is left to itself (its data dir may go from under it as
// the test's cleanup goes on), and the error carries the stacks of
// Synod's and Dragonboat's goroutines, the stop's own first: a host that
// cannot stop fails the test that started it, and says where it stands,
// rather than stalling the whole run until its timeout with no clue of
// which test it was.
func closeWithin(timeout <-chan time.Time, stop func() error) error {
	done := make(chan error, 1)
	go func() { done <- stop() }()
	select {
	case err := <-done:
		return err
	case <-timeout:
		return fmt.Errorf("still closing; where Synod's and Dragonboat's goroutines stand:\n%s", ownStacks("closeWithin", "(*Cluster).Close", "(*Cluster).StopHost"))
	}
}

// ownStacks returns the stacks of the goroutines that run Synod's or
// Dragonboat's code, their calls alone (no file lines): those that call
// any of first before the others, at most 60 in all.
func ownStacks(first ...string) string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var firsts, others []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if !strings.Contains(g, "synodhq/synod/") && !strings.Contains(g, "lni/dragonboat") {
			continue
		}
		var calls strings.Builder
		for line := range strings.SplitSeq(g, "\n") {
			if !strings.HasPrefix(line, "\t") {
				calls.WriteString(line + "\n")
			}
		}
		if slices.ContainsFunc(first, func(f string) bool { return strings.Contains(g, f) }) {
			firsts = append(firsts, calls.String())
		} else {
			others = append(others, calls.String())
		}
	}
	all := append(firsts, others...)
	const most = 60
	out := strings.Join(all[:min(len(all), most)], "\n")
	if len(all) > most {
		out += fmt.Sprintf("\n(%d more not shown)\n", len(all)-most)
	}
	return out
}

func newClients(c *dev.Cluster) *cluster {
	hc := c.Client()
	return &cluster{
		Cluster: c,
		modules: synodv1connect.NewModuleServiceClient(hc, c.URL()),
		shards:  synodv1connect.NewShardServiceClient(hc, c.URL()),
		data:    synodv1connect.NewDataServiceClient(hc, c.URL()),
	}
}

// forEachTransport runs a test against a cluster reached in process and
// against one reached over the hosts' internal API.
func forEachTransport(t *testing.T, test func(t *testing.T, network bool)) {
	for _, tr := range []struct {
		name    string
		network bool
	}{{"in-process", false}, {"network", true}} {
		t.Run(tr.name, func(t *testing.T) { test(t, tr.network) })
	}
}

// kvShard uploads the kv example and creates a shard of it. The upload
// has a deadline scaled to the machine (testtime.Scaled), not the
// gateway's 2 minutes for an upload without one: compiling a module takes
// far longer under the race detector on a loaded machine.
func (c *cluster) kvShard(tb testing.TB, name string, replicas uint32) *synodv1.Shard {
	tb.Helper()
	return c.kvShardFueled(tb, name, replicas, 0)
}

// kvShardFueled is kvShard with a fuel budget for each call (0: the
// default).
func (c *cluster) kvShardFueled(tb testing.TB, name string, replicas uint32, fuel uint64) *synodv1.Shard {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testtime.Scaled(2*time.Minute))
	defer cancel()
	up, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(tb, testwasm.KV)}))
	if err != nil {
		tb.Fatalf("upload kv: %v", err)
	}
	res, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
		Name: name, ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: replicas, FuelLimit: fuel,
	}))
	if err != nil {
		tb.Fatalf("create shard %s: %v", name, err)
	}
	return res.Msg.GetShard()
}

// kvCmd is a command or query of the kv example.
type kvCmd struct {
	Op     string  `json:"op"`
	Key    string  `json:"key,omitempty"`
	Value  string  `json:"value,omitempty"`
	Expect *string `json:"expect,omitempty"`
	Prefix string  `json:"prefix,omitempty"`
	Limit  int     `json:"limit,omitempty"`
}

func (k kvCmd) bytes() []byte {
	b, _ := json.Marshal(k)
	return b
}

// kvItem is one entry of a kv list result.
type kvItem struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// kvResult is the union of the kv example's results.
type kvResult struct {
	OK    bool     `json:"ok"`
	Key   string   `json:"key"`
	Value string   `json:"value"`
	Found bool     `json:"found"`
	Items []kvItem `json:"items"`
}

func decodeKV(tb testing.TB, b []byte) kvResult {
	tb.Helper()
	var r kvResult
	if err := json.Unmarshal(b, &r); err != nil {
		tb.Fatalf("decode kv result %q: %v", b, err)
	}
	return r
}

func (c *cluster) propose(ctx context.Context, shard string, cmd kvCmd) (*synodv1.ProposeResponse, error) {
	res, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: shard, Command: cmd.bytes()}))
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

func (c *cluster) mustPropose(tb testing.TB, shard string, cmd kvCmd) *synodv1.ProposeResponse {
	tb.Helper()
	res, err := c.propose(context.Background(), shard, cmd)
	if err != nil {
		tb.Fatalf("propose %+v: %v", cmd, err)
	}
	return res
}

func (c *cluster) mustQuery(tb testing.TB, shard string, cmd kvCmd, level synodv1.Consistency) kvResult {
	tb.Helper()
	res, err := c.data.Query(context.Background(), connect.NewRequest(&synodv1.QueryRequest{
		Shard: shard, Query: cmd.bytes(), Consistency: level,
	}))
	if err != nil {
		tb.Fatalf("query %+v: %v", cmd, err)
	}
	return decodeKV(tb, res.Msg.GetResult())
}

// localList reads every key of a shard from one host's own replica.
func localList(tb testing.TB, h *host.Host, shardID uint64) []kvItem {
	tb.Helper()
	items, ok := tryLocalList(tb, h, shardID)
	if !ok {
		tb.Fatalf("local list on host %d: shard %d cannot serve yet", h.ID(), shardID)
	}
	return items
}

// tryLocalList is localList for a replica that may still be starting:
// ok is false while it cannot serve (a failure that may pass).
func tryLocalList(tb testing.TB, h *host.Host, shardID uint64) (items []kvItem, ok bool) {
	tb.Helper()
	res, err := h.Query(context.Background(), shardID, host.Read{Payload: kvCmd{Op: "list", Limit: 1000}.bytes(), Consistency: host.Stale})
	switch {
	case err != nil && outcome.KindOf(err).Transient():
		return nil, false
	case err != nil:
		tb.Fatalf("local list on host %d: %v", h.ID(), err)
	}
	return decodeKV(tb, res.Output).Items, true
}

// waitApplied waits until every running host's replica of a shard has
// applied index.
func (c *cluster) waitApplied(tb testing.TB, shardID, index uint64) {
	tb.Helper()
	deadline := time.Now().Add(testtime.Scaled(20 * time.Second))
	for i := 0; i < 3; i++ {
		h := c.Host(i)
		if h == nil {
			continue
		}
		for {
			st := statusOf(h, shardID)
			got := st.AppliedIndex
			if st.HasReplica && got >= index {
				break
			}
			if time.Now().After(deadline) {
				tb.Fatalf("host %d applied %d of shard %d, want %d", h.ID(), got, shardID, index)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// leaderIndex returns the cluster index of the host that leads a shard.
func (c *cluster) leaderIndex(tb testing.TB, s *synodv1.Shard) int {
	tb.Helper()
	deadline := time.Now().Add(testtime.Scaled(10 * time.Second))
	for time.Now().Before(deadline) {
		for i := 0; i < 3; i++ {
			h := c.Host(i)
			if h == nil {
				continue
			}
			if st := statusOf(h, s.GetId()); st.HasLeader {
				for _, r := range s.GetReplicas() {
					if r.GetReplicaId() == st.LeaderReplicaID && r.GetHostId() == h.ID() {
						return i
					}
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("shard %s has no leader", s.GetName())
	return -1
}

// statusOf returns what a host, in process or reached over its internal
// API, knows of a shard; one that cannot be asked knows nothing.
func statusOf(h gateway.Host, shardID uint64) host.ReplicaStatus {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, _ := h.Status(ctx, shardID, false)
	return st
}

// connectCode returns the Connect code of err, or fails.
func connectCode(tb testing.TB, err error) connect.Code {
	tb.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		tb.Fatalf("error %v is not a Connect error", err)
	}
	return ce.Code()
}

func ptr[T any](v T) *T { return &v }

// TestCloseWithin checks that a close that returns in time returns its
// error, and that one that does not is left running, the error naming
// where it blocks.
func TestCloseWithin(t *testing.T) {
	failed := errors.New("failed")
	if err := closeWithin(nil, func() error { return failed }); !errors.Is(err, failed) {
		t.Fatalf("a close that failed at once: %v, want %v", err, failed)
	}
	blocked, release, timeout := make(chan struct{}), make(chan struct{}), make(chan time.Time)
	defer close(release)
	go func() {
		<-blocked
		close(timeout)
	}()
	err := closeWithin(timeout, func() error { return blockedClose(blocked, release) })
	if err == nil || !strings.Contains(err.Error(), "still closing") || !strings.Contains(err.Error(), "e2e.blockedClose") {
		t.Fatalf("a close that never returned: %v; want it said to be still closing, with the stack where it blocks", err)
	}
}

// blockedClose says it has blocked, and waits for release, as a host that
// cannot stop would.
func blockedClose(blocked chan<- struct{}, release <-chan struct{}) error {
	close(blocked)
	<-release
	return nil
}
