package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"connectrpc.com/connect"

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
		fmt.Fprintf(tw, "REQUESTS/S\t%d per gateway\n", q.GetRequestsPerSecond())
		fmt.Fprintf(tw, "FUEL/S\t%d per gateway\n", q.GetFuelPerSecond())
		return tw.Flush()
	}}, nil
}

func namespaceSetQuota(fs *flag.FlagSet) action {
	var q synodv1.Quota
	shards := fs.Uint("shards", 0, "shards the namespace may have (0: the default)")
	requests := fs.Uint("requests-per-second", 0, "Propose and Query calls a second at each gateway (0: the default)")
	fs.Uint64Var(&q.ModuleBytes, "module-bytes", 0, "total bytes of the namespace's modules (0: the default)")
	fs.Uint64Var(&q.FuelPerSecond, "fuel-per-second", 0, "fuel a second at each gateway (0: the default)")
	return func(ctx context.Context, c clients, _ []string, _ io.Reader) (output, error) {
		if *shards > math.MaxUint32 || *requests > math.MaxUint32 {
			return output{}, fmt.Errorf("%w: --shards and --requests-per-second must be below 2^32", errUsage)
		}
		q.Shards, q.RequestsPerSecond = uint32(*shards), uint32(*requests)
		res, err := c.nss.SetQuota(ctx, connect.NewRequest(&synodv1.SetQuotaRequest{Quota: &q}))
		if err != nil {
			return output{}, err
		}
		return output{res.Msg, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "quota of %s: %d shards, %d module bytes, %d requests/s, %d fuel/s\n", c.flags.namespace,
				res.Msg.GetQuota().GetShards(), res.Msg.GetQuota().GetModuleBytes(), res.Msg.GetQuota().GetRequestsPerSecond(), res.Msg.GetQuota().GetFuelPerSecond())
			return err
		}}, nil
	}
}
