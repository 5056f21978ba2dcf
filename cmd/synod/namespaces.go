package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// The namespace commands: quotas, and what a namespace uses of them. Both
// act on --namespace.

func namespaceGet(ctx context.Context, c clients, _ []string, _ io.Reader) (output, error) {
	res, err := c.nss.GetNamespace(ctx, connect.NewRequest(&synodv1.GetNamespaceRequest{}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error {
		q, u := res.Msg.GetQuota(), res.Msg.GetUsage()
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "NAMESPACE\t%s\n", res.Msg.GetNamespace())
		fmt.Fprintf(tw, "SHARDS\t%d of %d\n", u.GetShards(), q.GetShards())
		fmt.Fprintf(tw, "MODULE BYTES\t%d of %d\n", u.GetModuleBytes(), q.GetModuleBytes())
		fmt.Fprintf(tw, "STORED BYTES\t%d of %d reserved by shards\n", u.GetStoredBytes(), q.GetStoredBytes())
		fmt.Fprintf(tw, "CALLS/S\t%d per gateway\n", q.GetRequestsPerSecond())
		fmt.Fprintf(tw, "FUEL/S\t%d per gateway\n", q.GetFuelPerSecond())
		fmt.Fprintf(tw, "KEYS\tat most %d\n", q.GetKeys())
		fmt.Fprintf(tw, "A SHARD'S LIMITS\tat most %d fuel a call, %d bytes and %d writes a command\n",
			q.GetShardFuelLimit(), q.GetShardWriteBytesLimit(), q.GetShardWriteKeysLimit())
		return tw.Flush()
	}}, nil
}

func namespaceSetQuota(fs *flag.FlagSet) action {
	shards := fs.Uint("shards", 0, "shards the namespace may have (0: the default)")
	moduleBytes := fs.Uint64("module-bytes", 0, "total bytes of the namespace's modules (0: the default)")
	requests := fs.Uint("requests-per-second", 0, "calls a second at each gateway (0: the default)")
	fuel := fs.Uint64("fuel-per-second", 0, "fuel a second at each gateway (0: the default)")
	keys := fs.Uint("keys", 0, "API keys with a role in the namespace (0: the default)")
	storedBytes := fs.Uint64("stored-bytes", 0, "total of the stored-bytes limits of the namespace's shards (0: the default)")
	shardFuel := fs.Uint64("shard-fuel", 0, "the most fuel a call a shard may set (0: the cluster's cap)")
	shardWriteBytes := fs.Uint64("shard-write-bytes", 0, "the most bytes a command a shard may let write (0: the cluster's cap)")
	shardWriteKeys := fs.Uint64("shard-write-keys", 0, "the most writes a command a shard may allow (0: the cluster's cap)")
	return func(ctx context.Context, c clients, _ []string, _ io.Reader) (output, error) {
		if max(*shards, *requests, *keys) > math.MaxUint32 {
			return output{}, usagef("--shards, --requests-per-second and --keys must be below 2^32")
		}
		// Only the limits given change.
		var q synodv1.Quota
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "shards":
				q.Shards = proto.Uint32(uint32(*shards))
			case "requests-per-second":
				q.RequestsPerSecond = proto.Uint32(uint32(*requests))
			case "keys":
				q.Keys = proto.Uint32(uint32(*keys))
			case "module-bytes":
				q.ModuleBytes = moduleBytes
			case "fuel-per-second":
				q.FuelPerSecond = fuel
			case "stored-bytes":
				q.StoredBytes = storedBytes
			case "shard-fuel":
				q.ShardFuelLimit = shardFuel
			case "shard-write-bytes":
				q.ShardWriteBytesLimit = shardWriteBytes
			case "shard-write-keys":
				q.ShardWriteKeysLimit = shardWriteKeys
			}
		})
		res, err := c.nss.SetQuota(ctx, connect.NewRequest(&synodv1.SetQuotaRequest{Quota: &q}))
		if err != nil {
			return output{}, err
		}
		return output{res.Msg, func(w io.Writer) error {
			got := res.Msg.GetQuota()
			_, err := fmt.Fprintf(w, "quota of %s: %d shards, %d module bytes, %d stored bytes, %d calls/s, %d fuel/s, %d keys\n", c.flags.namespace,
				got.GetShards(), got.GetModuleBytes(), got.GetStoredBytes(), got.GetRequestsPerSecond(), got.GetFuelPerSecond(), got.GetKeys())
			return err
		}}, nil
	}
}
