package e2e

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/testtime"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// The fuel budgets of package host/internal/wasm (DefaultFuel and
// MaxFuel), which these tests cannot import.
const (
	defaultFuel = 10_000_000
	maxFuel     = 1_000_000_000
)

// TestFuel checks fuel through the public API: responses report the fuel
// each call used; a shard's fuel limit bounds its calls, and a command over
// it fails with ResourceExhausted on every replica alike, its writes rolled
// back; a limit over the cluster's cap is refused.
func TestFuel(t *testing.T) {
	forEachTransport(t, testFuel)
}

func testFuel(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	ctx := context.Background()
	s := c.kvShard(t, "roomy", 3)
	if s.GetFuelLimit() != defaultFuel {
		t.Errorf("default fuel limit: got %d, want %d", s.GetFuelLimit(), uint64(defaultFuel))
	}
	put := c.mustPropose(t, "roomy", kvCmd{Op: "put", Key: "k", Value: "v"})
	q, err := c.data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{Shard: "roomy", Query: kvCmd{Op: "get", Key: "k"}.bytes()}))
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	if put.GetFuelUsed() == 0 || q.Msg.GetFuelUsed() == 0 {
		t.Errorf("fuel used: propose %d, query %d; want both above 0", put.GetFuelUsed(), q.Msg.GetFuelUsed())
	}

	t.Logf("fuel used: put %d, get %d", put.GetFuelUsed(), q.Msg.GetFuelUsed())

	// Enough fuel for a put, measured above, but not for a put of a value
	// that takes more fuel to decode and store.
	limit := put.GetFuelUsed() * 2
	hash := s.GetModuleHash()
	tight, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
		Name: "tight", ModuleHash: hash, ReplicaCount: 3, FuelLimit: limit,
	}))
	if err != nil {
		t.Fatalf("create tight shard: %v", err)
	}
	if tight.Msg.GetShard().GetFuelLimit() != limit {
		t.Errorf("tight shard's fuel limit: got %d, want %d", tight.Msg.GetShard().GetFuelLimit(), limit)
	}
	c.mustPropose(t, "tight", kvCmd{Op: "put", Key: "small", Value: "v"})
	_, err = c.propose(ctx, "tight", kvCmd{Op: "put", Key: "big", Value: strings.Repeat("v", 256<<10)})
	if connectCode(t, err) != connect.CodeResourceExhausted || !strings.Contains(err.Error(), "out of fuel") {
		t.Fatalf("put over the limit: got %v, want ResourceExhausted, out of fuel", err)
	}
	got := c.mustQuery(t, "tight", kvCmd{Op: "get", Key: "big"}, synodv1.Consistency_CONSISTENCY_LINEARIZABLE)
	if got.Found {
		t.Errorf("the put that ran out of fuel was kept")
	}
	check, err := c.shards.CheckShard(ctx, connect.NewRequest(&synodv1.CheckShardRequest{Name: "tight"}))
	if err != nil || !check.Msg.GetConsistent() {
		t.Errorf("check after running out of fuel: got (%v, %v), want every replica consistent", check, err)
	}

	_, err = c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
		Name: "greedy", ModuleHash: hash, FuelLimit: maxFuel + 1,
	}))
	if connectCode(t, err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "cap") {
		t.Errorf("fuel limit over the cap: got %v, want InvalidArgument naming the cap", err)
	}
}

// TestQueryDeadline checks that a query stops at its deadline through the
// public API: a query that loops, on a shard with the largest fuel limit,
// sent with a deadline of 50 ms, is answered deadline_exceeded by the
// server (the client sets no deadline of its own, so the answer is the
// server's), and the shard answers the next query. The largest fuel
// limit lasts about 170 ms on a quiet machine of 2026 (a deadline of
// 200 ms let the loop run out of fuel first). Each consistency level
// has a shard of its own, whose fuel rate the other's loop has not spent.
func TestQueryDeadline(t *testing.T) {
	forEachTransport(t, testQueryDeadline)
}

func testQueryDeadline(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	ctx := t.Context()
	up, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(t, adversary)}))
	if err != nil {
		t.Fatalf("upload adversary: %v", err)
	}
	for _, level := range []synodv1.Consistency{synodv1.Consistency_CONSISTENCY_LINEARIZABLE, synodv1.Consistency_CONSISTENCY_STALE} {
		shard := strings.ToLower(strings.TrimPrefix(level.String(), "CONSISTENCY_"))
		if _, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
			Name: shard, ModuleHash: up.Msg.GetModule().GetHash(), ReplicaCount: 3, FuelLimit: maxFuel,
		})); err != nil {
			t.Fatalf("create shard: %v", err)
		}
		req := connect.NewRequest(&synodv1.QueryRequest{Shard: shard, Query: []byte("loop"), Consistency: level})
		req.Header().Set("Connect-Timeout-Ms", "50")
		start := time.Now()
		_, err := c.data.Query(ctx, req)
		took := time.Since(start)
		t.Logf("%s: a looping query with a deadline of 50 ms was answered after %s: %v", level, took, err)
		if connectCode(t, err) != connect.CodeDeadlineExceeded {
			t.Errorf("%s: got %v, want deadline_exceeded", level, err)
		}
		_, err = c.data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{Shard: shard, Query: []byte("nope")}))
		if connectCode(t, err) != connect.CodeFailedPrecondition {
			t.Errorf("%s: a query after the interrupted one: got %v, want the guest's application error", level, err)
		}
	}
}

// TestFuelOnEveryResponse checks that a Propose's or a Query's response
// reports the fuel its call used in the Synod-Fuel-Used header, when the
// module rejected the call too, and that it is what the body says on a
// success.
func TestFuelOnEveryResponse(t *testing.T) {
	forEachTransport(t, testFuelOnEveryResponse)
}

func testFuelOnEveryResponse(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	c.kvShard(t, "fuel", 3)
	ctx := t.Context()
	fuelOf := func(h http.Header) uint64 {
		n, err := strconv.ParseUint(h.Get("Synod-Fuel-Used"), 10, 64)
		if err != nil {
			t.Fatalf("Synod-Fuel-Used %q: %v", h.Get("Synod-Fuel-Used"), err)
		}
		return n
	}
	ok, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "fuel", Command: kvCmd{Op: "put", Key: "k", Value: "v"}.bytes()}))
	if err != nil {
		t.Fatal(err)
	}
	if got := fuelOf(ok.Header()); got == 0 || got != ok.Msg.GetFuelUsed() {
		t.Errorf("a put: header says %d fuel, body %d", got, ok.Msg.GetFuelUsed())
	}
	wrong := "other"
	_, err = c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: "fuel", Command: kvCmd{Op: "cas", Key: "k", Expect: &wrong, Value: "w"}.bytes()}))
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != connect.CodeFailedPrecondition || fuelOf(ce.Meta()) == 0 {
		t.Errorf("a cas the module rejects: got %v, want failed_precondition with the fuel it used", err)
	}
	_, err = c.data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{Shard: "fuel", Query: kvCmd{Op: "put", Key: "k", Value: "w"}.bytes()}))
	if !errors.As(err, &ce) || fuelOf(ce.Meta()) == 0 {
		t.Errorf("a write sent as a query: got %v, want an error with the fuel it used", err)
	}
}

// TestShardFuelRate checks that a host's --shard-fuel-rate bounds a
// shard's calls: on hosts that let a shard burn 5,000 fuel a second (a
// kv get burns some 20,000, which takes four seconds to refill), a run of
// gets that may each wait 100 ms (scaled) is soon refused with resource_exhausted, naming the fuel rate; at the
// default rate, none of the same run is. Other failures (a get over its
// deadline on a loaded machine) are neither.
func TestShardFuelRate(t *testing.T) {
	for _, tc := range []struct {
		rate    uint64
		refused bool
	}{{5_000, true}, {0, false}} {
		t.Run(strconv.FormatUint(tc.rate, 10), func(t *testing.T) {
			c := startCluster(t, host.Config{ShardFuelRate: tc.rate}, true)
			c.kvShard(t, "metered", 3)
			timeout := strconv.FormatInt(testtime.Scaled(100*time.Millisecond).Milliseconds(), 10)
			var refusal error
			for range 50 {
				req := connect.NewRequest(&synodv1.QueryRequest{Shard: "metered", Query: kvCmd{Op: "get", Key: "k"}.bytes()})
				req.Header().Set("Connect-Timeout-Ms", timeout)
				if _, err := c.data.Query(t.Context(), req); err != nil && strings.Contains(err.Error(), "fuel rate") {
					refusal = err
					break
				}
			}
			switch {
			case tc.refused && refusal == nil:
				t.Fatal("no get of 50 was refused at 5,000 fuel a second: the host's shard fuel rate did not apply")
			case tc.refused && connectCode(t, refusal) != connect.CodeResourceExhausted:
				t.Fatalf("refused with %v, want resource_exhausted", refusal)
			case !tc.refused && refusal != nil:
				t.Fatalf("at the default rate, a get was refused: %v", refusal)
			}
		})
	}
}
