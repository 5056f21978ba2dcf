package synod

import (
	"context"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// Consistency is how fresh a query's reading of a shard must be: the
// per-call trade between latency and freshness. The zero value is
// [Linearizable].
type Consistency struct {
	level    synodv1.Consistency
	minIndex uint64
}

var (
	// Linearizable reads see every command committed before the query
	// started: the leader confirms it still leads (one round of
	// heartbeats) before it reads.
	Linearizable = Consistency{level: synodv1.Consistency_CONSISTENCY_LINEARIZABLE}
	// Stale reads run on any one replica with no round trip, and may miss
	// the latest commands; [QueryResult.Index] says which index they read
	// at.
	Stale = Consistency{level: synodv1.Consistency_CONSISTENCY_STALE}
)

// AtLeastIndex reads on any replica once it has applied index, waiting
// for it within the call's deadline: given the [ProposeResult.Index] of a
// command, the query sees that command's effect (read your writes)
// without a round trip to the leader.
func AtLeastIndex(index uint64) Consistency {
	return Consistency{level: synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX, minIndex: index}
}

// QueryResult is the answer to a query.
type QueryResult struct {
	// Result is the bytes the module returned.
	Result []byte
	// Index is the applied index of the state the query read.
	Index uint64
	// FuelUsed is the fuel the query used.
	FuelUsed uint64
}

// Query runs a read-only query against the module of the shard named
// shard, at the consistency c. A query changes nothing, so it is retried
// like a keyed command when its outcome is unknown.
func (c *Client) Query(ctx context.Context, shard string, query []byte, consistency Consistency) (*QueryResult, error) {
	res, err := call(ctx, c, "query "+shard, true, c.data.Query, &synodv1.QueryRequest{
		Shard: shard, Query: query, Namespace: c.namespace,
		Consistency: consistency.level, MinIndex: consistency.minIndex,
	})
	if err != nil {
		return nil, err
	}
	return &QueryResult{Result: res.GetResult(), Index: res.GetIndex(), FuelUsed: res.GetFuelUsed()}, nil
}
