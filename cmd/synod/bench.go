package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/synodhq/synod/internal/gctarget"
	"github.com/synodhq/synod/internal/loadgen"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// benchDoc is the help of synod bench.
const benchDoc = `Each client sends its next call as soon as its last is answered, over
a keep-alive HTTP/1.1 connection of its own, in Connect's binary protobuf
(written and read on the client's goroutine, so that the generator costs
the machine it may share with the servers little): a kv put
({"op":"put"}) of --size bytes to one of --keys keys for propose, a
kv get of one of them for query (the keys are written first). After
--warmup, it measures for --duration: calls a second and latency
percentiles, with a progress line on standard error. The shard runs the kv
example (examples/kv); with --module, bench creates it if it does not
exist. make bench-compare runs it against separate host and gateway
processes, beside etcd (docs/benchmarks.md).`

// bench is synod bench: a load generator for one shard of the kv example.
func bench(fs *flag.FlagSet) action {
	op := fs.String("op", "propose", "`OP` to send: propose (kv puts) or query (kv gets)")
	var load loadgen.KVLoad
	load.Bind(fs)
	level := fs.String("consistency", "linearizable", "`LEVEL` of the queries: linearizable or stale")
	noKeys := fs.Bool("no-idempotency-keys", false, "propose without idempotency keys (the SDKs send one with every command)")
	module := fs.String("module", "", "`FILE` of the kv module: create the shard from it if it does not exist")
	shardCount := fs.Int("shards", 1, "spread the calls over `N` shards, SHARD-0 to SHARD-(N-1), each client's calls going round them (1: SHARD alone)")
	return func(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
		gctarget.Raise()
		consistency, ok := consistencies[*level]
		switch {
		case *op != "propose" && *op != "query":
			return output{}, usagef("--op must be propose or query, not %q", *op)
		case !ok || consistency == synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX:
			return output{}, usagef("--consistency must be linearizable or stale, not %q", *level)
		}
		if err := load.Check(); err != nil {
			return output{}, usagef("%v", err)
		}
		if *shardCount < 1 {
			return output{}, usagef("--shards must be at least 1, not %d", *shardCount)
		}
		shard := pos[0]
		shards := []string{shard}
		if *shardCount > 1 {
			shards = make([]string, *shardCount)
			for i := range shards {
				shards[i] = fmt.Sprintf("%s-%d", shard, i)
			}
		}
		if *module != "" {
			if err := ensureShards(ctx, c, shards, *module); err != nil {
				return output{}, err
			}
		}
		conns, err := benchConns(c, load.Clients)
		if err != nil {
			return output{}, err
		}
		// Each key's command and query are encoded once, not in every call.
		puts, gets := make([][]byte, load.Keys), make([][]byte, load.Keys)
		for i := range load.Keys {
			puts[i], gets[i] = kvCommand("put", load.KeyAt(i), load.Value()), kvCommand("get", load.KeyAt(i), "")
		}
		// A client's calls go round the shards, from a shard of its own.
		shardOf := func(client int, seq uint64) string {
			return shards[(uint64(client)+seq)%uint64(len(shards))]
		}
		put := func(ctx context.Context, client int, shard string, key int) error {
			req := &synodv1.ProposeRequest{Shard: shard, Command: puts[key], Namespace: c.flags.namespace}
			if !*noKeys {
				req.IdempotencyKey = fmt.Sprintf("bench-%d-%s-%d", time.Now().UnixNano(), shard, key)
			}
			return conns[client].call(ctx, synodv1connect.DataServiceProposeProcedure, req, &synodv1.ProposeResponse{})
		}
		call := func(ctx context.Context, client int, seq uint64) error {
			return put(ctx, client, shardOf(client, seq), load.Index(client, seq))
		}
		if *op == "query" {
			if err := writeKeys(ctx, load.Clients, shards, load.Keys, put); err != nil {
				return output{}, err
			}
			call = func(ctx context.Context, client int, seq uint64) error {
				req := &synodv1.QueryRequest{
					Shard: shardOf(client, seq), Query: gets[load.Index(client, seq)], Consistency: consistency, Namespace: c.flags.namespace,
				}
				return conns[client].call(ctx, synodv1connect.DataServiceQueryProcedure, req, &synodv1.QueryResponse{})
			}
		}
		res, err := loadgen.Run(ctx, load.Config(os.Stderr), call)
		if err != nil {
			return output{}, err
		}
		if res.Requests == 0 {
			return output{}, fmt.Errorf("no call succeeded: %s", res.FirstError)
		}
		msg, err := asStruct(res)
		if err != nil {
			return output{}, err
		}
		return output{msg, func(w io.Writer) error {
			what := shard
			if len(shards) > 1 {
				what = fmt.Sprintf("%d shards %s-*", len(shards), shard)
			}
			_, err := fmt.Fprintf(w, "%s %s: %s\n", *op, what, res)
			return err
		}}, nil
	}
}

// benchConns returns a connection to the gateway for each of n clients.
func benchConns(c clients, n int) ([]*benchConn, error) {
	target, err := url.Parse(strings.TrimSuffix(c.flags.addr, "/"))
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, usagef("--addr must be an http:// or https:// URL, not %q", c.flags.addr)
	}
	var tlsConfig *tls.Config
	if target.Scheme == "https" {
		t, err := newTransport(c.flags)
		if err != nil {
			return nil, err
		}
		tlsConfig = cmp.Or(t.TLSClientConfig, &tls.Config{MinVersion: tls.VersionTLS12})
	}
	conns := make([]*benchConn, n)
	for i := range conns {
		conns[i] = newBenchConn(target, tlsConfig, c.token)
	}
	return conns, nil
}

// ensureShards creates each shard that does not exist from the module in
// file, which it uploads only then: a run on shards that exist sends no
// module (a kv module is some megabytes through the catalogue).
func ensureShards(ctx context.Context, c clients, shards []string, file string) error {
	var mu sync.Mutex
	var missing []string
	err := eachShard(shards, func(shard string) error {
		_, err := c.shards.GetShard(ctx, connect.NewRequest(&synodv1.GetShardRequest{Name: shard}))
		if connect.CodeOf(err) == connect.CodeNotFound {
			mu.Lock()
			missing = append(missing, shard)
			mu.Unlock()
			return nil
		}
		return err
	})
	if err != nil || len(missing) == 0 {
		return err
	}
	hash, err := moduleHash(ctx, c, file)
	if err != nil {
		return err
	}
	return eachShard(missing, func(shard string) error {
		_, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{Name: shard, ModuleHash: hash}))
		return err
	})
}

// eachShard runs fn for each shard, 8 at a time, and returns their errors
// joined, each naming its shard.
func eachShard(shards []string, fn func(shard string) error) error {
	next := make(chan string)
	errs := make(chan error, len(shards))
	var wg sync.WaitGroup
	for range min(8, len(shards)) {
		wg.Go(func() {
			for shard := range next {
				if err := fn(shard); err != nil {
					errs <- fmt.Errorf("shard %s: %w", shard, err)
				}
			}
		})
	}
	for _, shard := range shards {
		next <- shard
	}
	close(next)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// writeKeys puts every key once in each of the shards, from n clients,
// before a query load.
func writeKeys(ctx context.Context, n int, shards []string, keys int, put func(ctx context.Context, client int, shard string, key int) error) error {
	errs := make(chan error, n)
	for c := range n {
		go func() {
			var err error
			for i := c; i < len(shards)*keys && err == nil; i += n {
				err = put(ctx, c, shards[i/keys], i%keys)
			}
			errs <- err
		}()
	}
	var all []error
	for range n {
		all = append(all, <-errs)
	}
	if err := errors.Join(all...); err != nil {
		return fmt.Errorf("write the keys before querying: %w", err)
	}
	return nil
}

// kvCommand encodes a kv example command.
func kvCommand(op, key, value string) []byte {
	m := map[string]string{"op": op, "key": key}
	if op == "put" {
		m["value"] = value
	}
	b, _ := json.Marshal(m) // a map of strings always encodes
	return b
}

// asStruct converts a result to a message, for --json.
func asStruct(v any) (*structpb.Struct, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return structpb.NewStruct(m)
}
