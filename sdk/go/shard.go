package synod

import (
	"context"
	"fmt"
	"time"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// ShardSettings are the settings of a new shard. The zero value of each
// field means the cluster's default (docs/api.md lists them and their
// caps).
type ShardSettings struct {
	// Replicas is the number of replicas: 1, 3 or 5; default 3 (capped at
	// the number of hosts of a smaller cluster).
	Replicas uint32
	// FuelLimit is the fuel budget of each call to the shard.
	FuelLimit uint64
	// WriteBytesLimit is the most bytes one command may write.
	WriteBytesLimit uint64
	// WriteKeysLimit is the most writes (sets and deletes) one command may
	// make.
	WriteKeysLimit uint64
	// StoredBytesLimit is the most bytes of keys and values the shard may
	// hold.
	StoredBytesLimit uint64
	// IdempotencyWindow is how long the shard keeps each command's
	// idempotency key and result, in whole seconds; default a day.
	IdempotencyWindow time.Duration
}

// CreateShard creates a shard named name that runs the module with the
// given hash, and waits until it has a leader.
func (c *Client) CreateShard(ctx context.Context, name, moduleHash string, s ShardSettings) (*synodv1.Shard, error) {
	if s.IdempotencyWindow < 0 || s.IdempotencyWindow%time.Second != 0 {
		return nil, fmt.Errorf("synod: create shard %s: idempotency window %v is not a whole number of seconds", name, s.IdempotencyWindow)
	}
	res, err := call(ctx, c, "create shard "+name, false, c.shards.CreateShard, &synodv1.CreateShardRequest{
		Name: name, ModuleHash: moduleHash, Namespace: c.namespace,
		ReplicaCount: s.Replicas, FuelLimit: s.FuelLimit,
		WriteBytesLimit: s.WriteBytesLimit, WriteKeysLimit: s.WriteKeysLimit, StoredBytesLimit: s.StoredBytesLimit,
		IdempotencyWindowSeconds: uint64(s.IdempotencyWindow / time.Second),
	})
	if err != nil {
		return nil, err
	}
	return res.GetShard(), nil
}

// GetShard describes the shard named name, with its current leader and
// applied index.
func (c *Client) GetShard(ctx context.Context, name string) (*synodv1.Shard, error) {
	res, err := call(ctx, c, "get shard "+name, true, c.shards.GetShard, &synodv1.GetShardRequest{Name: name, Namespace: c.namespace})
	if err != nil {
		return nil, err
	}
	return res.GetShard(), nil
}

// ListShards describes every shard of the namespace, ordered by name.
func (c *Client) ListShards(ctx context.Context) ([]*synodv1.Shard, error) {
	res, err := call(ctx, c, "list shards", true, c.shards.ListShards, &synodv1.ListShardsRequest{Namespace: c.namespace})
	if err != nil {
		return nil, err
	}
	return res.GetShards(), nil
}

// DeleteShard stops every replica of the shard named name and deletes its
// state.
func (c *Client) DeleteShard(ctx context.Context, name string) error {
	_, err := call(ctx, c, "delete shard "+name, false, c.shards.DeleteShard, &synodv1.DeleteShardRequest{Name: name, Namespace: c.namespace})
	return err
}
