// Command etcdbench is make bench-compare's load generator for etcd: the
// load that synod bench makes on a kv shard, made on an etcd cluster with
// etcd's Go client, and measured by the same code (internal/loadgen).
//
//	etcdbench --endpoints http://127.0.0.1:2379 --op put --clients 64 --json
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/synodhq/synod/internal/gctarget"
	"github.com/synodhq/synod/internal/loadgen"
)

func main() {
	endpoints := flag.String("endpoints", "http://127.0.0.1:2379", "comma-separated `URLS` of the cluster's members")
	op := flag.String("op", "put", "`OP` to send: put or get")
	conns := flag.Int("conns", 1, "`N` etcd clients (gRPC connections) the clients share, round robin")
	level := flag.String("consistency", "linearizable", "`LEVEL` of the gets: linearizable or stale (etcd's serializable)")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	var load loadgen.KVLoad
	load.Bind(flag.CommandLine)
	flag.Parse()
	gctarget.Raise() // as synod bench does, so that both generators collect alike
	if err := run(*endpoints, *op, *level, *conns, load, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "etcdbench:", err)
		os.Exit(1)
	}
}

func run(endpoints, op, level string, conns int, load loadgen.KVLoad, asJSON bool) error {
	if (op != "put" && op != "get") || (level != "linearizable" && level != "stale") || conns < 1 {
		return fmt.Errorf("bad flags: --op put|get, --consistency linearizable|stale, --conns at least 1")
	}
	if err := load.Check(); err != nil {
		return err
	}
	ctx := context.Background()
	kvs := make([]*clientv3.Client, conns)
	for i := range kvs {
		c, err := clientv3.New(clientv3.Config{Endpoints: strings.Split(endpoints, ","), DialTimeout: 10 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			return fmt.Errorf("connect to %s: %w", endpoints, err)
		}
		defer c.Close()
		kvs[i] = c
	}
	value := load.Value()
	keys := make([]string, load.Keys) // made once, as synod bench makes its commands once
	for i := range keys {
		keys[i] = load.KeyAt(i)
	}
	put := func(ctx context.Context, client int, seq uint64) error {
		_, err := kvs[client%conns].Put(ctx, keys[load.Index(client, seq)], value)
		return err
	}
	call := put
	if op == "get" {
		for k := range load.Keys {
			if err := put(ctx, 0, uint64(k)); err != nil { // the k-th key
				return fmt.Errorf("write the keys before getting: %w", err)
			}
		}
		var opts []clientv3.OpOption
		if level == "stale" {
			opts = append(opts, clientv3.WithSerializable())
		}
		call = func(ctx context.Context, client int, seq uint64) error {
			_, err := kvs[client%conns].Get(ctx, keys[load.Index(client, seq)], opts...)
			return err
		}
	}
	res, err := loadgen.Run(ctx, load.Config(os.Stderr), call)
	if err != nil {
		return err
	}
	if res.Requests == 0 {
		return fmt.Errorf("no call succeeded: %s", res.FirstError)
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	_, err = fmt.Printf("%s: %s\n", op, res)
	return err
}
