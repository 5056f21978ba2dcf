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

	"github.com/synodhq/synod/internal/loadgen"
)

func main() {
	endpoints := flag.String("endpoints", "http://127.0.0.1:2379", "comma-separated `URLS` of the cluster's members")
	op := flag.String("op", "put", "`OP` to send: put or get")
	clients := flag.Int("clients", 64, "`N` clients, each with one call outstanding")
	conns := flag.Int("conns", 1, "`N` etcd clients (gRPC connections) the clients share, round robin")
	size := flag.Int("size", 64, "`BYTES` of each value put")
	keys := flag.Int("keys", 1000, "`N` keys the calls spread over")
	level := flag.String("consistency", "linearizable", "`LEVEL` of the gets: linearizable or stale (etcd's serializable)")
	duration := flag.Duration("duration", 10*time.Second, "how long to measure")
	warmup := flag.Duration("warmup", 2*time.Second, "how long to run before measuring")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	if err := run(*endpoints, *op, *level, *clients, *conns, *size, *keys, *duration, *warmup, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "etcdbench:", err)
		os.Exit(1)
	}
}

func run(endpoints, op, level string, clients, conns, size, keys int, duration, warmup time.Duration, asJSON bool) error {
	if (op != "put" && op != "get") || (level != "linearizable" && level != "stale") || clients < 1 || conns < 1 || keys < 1 {
		return fmt.Errorf("bad flags: --op put|get, --consistency linearizable|stale, --clients, --conns and --keys at least 1")
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
	value := strings.Repeat("v", size)
	key := func(client int, seq uint64) string {
		return fmt.Sprintf("bench-%d", (uint64(client)*7919+seq)%uint64(keys))
	}
	put := func(ctx context.Context, client int, seq uint64) error {
		_, err := kvs[client%conns].Put(ctx, key(client, seq), value)
		return err
	}
	call := put
	if op == "get" {
		for k := range keys {
			if err := put(ctx, 0, uint64(k)); err != nil {
				return fmt.Errorf("write the keys before getting: %w", err)
			}
		}
		var opts []clientv3.OpOption
		if level == "stale" {
			opts = append(opts, clientv3.WithSerializable())
		}
		call = func(ctx context.Context, client int, seq uint64) error {
			_, err := kvs[client%conns].Get(ctx, key(client, seq), opts...)
			return err
		}
	}
	res, err := loadgen.Run(ctx, loadgen.Config{Clients: clients, Warmup: warmup, Duration: duration, Progress: os.Stderr}, call)
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
