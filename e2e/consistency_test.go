package e2e

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// TestAtLeastIndex checks read-your-writes on any replica: after each
// write, queries at least at its index, spread over the replicas, see it
// and read at that index or later; an index the shard has not reached
// fails at the query's deadline; and min_index goes with that consistency
// only.
func TestAtLeastIndex(t *testing.T) {
	forEachTransport(t, testAtLeastIndex)
}

func testAtLeastIndex(t *testing.T, network bool) {
	c := startCluster(t, host.Config{}, network)
	c.kvShard(t, "ryw", 3)
	ctx := context.Background()
	query := func(ctx context.Context, key string, level synodv1.Consistency, minIndex uint64) (*synodv1.QueryResponse, error) {
		res, err := c.data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{
			Shard: "ryw", Query: kvCmd{Op: "get", Key: key}.bytes(), Consistency: level, MinIndex: minIndex,
		}))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
	for i := range 10 {
		value := string(rune('a' + i))
		put := c.mustPropose(t, "ryw", kvCmd{Op: "put", Key: "k", Value: value})
		for range 3 { // the gateway spreads them over the replicas
			res, err := query(ctx, "k", synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX, put.GetIndex())
			if err != nil {
				t.Fatalf("at least index %d: %v", put.GetIndex(), err)
			}
			if got := decodeKV(t, res.GetResult()); got.Value != value || res.GetIndex() < put.GetIndex() {
				t.Fatalf("at least index %d: read %q at index %d, want %q at %d or later", put.GetIndex(), got.Value, res.GetIndex(), value, put.GetIndex())
			}
		}
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := query(short, "k", synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX, 1<<40); connectCode(t, err) != connect.CodeDeadlineExceeded {
		t.Errorf("an index the shard has not reached: got %v, want deadline_exceeded", err)
	}
	if _, err := query(ctx, "k", synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX, 0); connectCode(t, err) != connect.CodeInvalidArgument {
		t.Errorf("at least index without one: got %v, want invalid_argument", err)
	}
	if _, err := query(ctx, "k", synodv1.Consistency_CONSISTENCY_STALE, 5); connectCode(t, err) != connect.CodeInvalidArgument {
		t.Errorf("a stale query with min_index: got %v, want invalid_argument", err)
	}
}
