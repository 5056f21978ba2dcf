// Command go is the Go client SDK's runner of the client conformance
// scenario (conformance/README.md): it plays the scenario against the
// cluster at SYNOD_ADDR with sdk/go and prints what it observed as one
// JSON object.
//
//	go run ./conformance/client/go KV_WASM SHARD
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	synod "github.com/synodhq/synod/sdk/go"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run ./conformance/client/go KV_WASM SHARD")
		os.Exit(2)
	}
	out, err := run(context.Background(), os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
}

// obj is one step's observations.
type obj = map[string]any

// run plays the scenario's steps in order.
func run(ctx context.Context, wasm, shard string) (obj, error) {
	c, err := synod.New()
	if err != nil {
		return nil, err
	}
	out := obj{}

	mod, err := c.UploadModuleFile(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	mods, err := c.ListModules(ctx)
	if err != nil {
		return nil, fmt.Errorf("list modules: %w", err)
	}
	out["upload"] = obj{
		"hash_is_hex_sha256": isHexSHA256(mod.GetHash()),
		"listed":             slices.ContainsFunc(mods, func(m *synodv1.Module) bool { return m.GetHash() == mod.GetHash() }),
	}

	if _, err := c.CreateShard(ctx, shard, mod.GetHash(), synod.ShardSettings{}); err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	got, err := c.GetShard(ctx, shard)
	if err != nil {
		return nil, fmt.Errorf("get shard: %w", err)
	}
	shards, err := c.ListShards(ctx)
	if err != nil {
		return nil, fmt.Errorf("list shards: %w", err)
	}
	out["create"] = obj{
		"name_matches":   got.GetName() == shard,
		"module_matches": got.GetModuleHash() == mod.GetHash(),
		"listed":         slices.ContainsFunc(shards, func(s *synodv1.Shard) bool { return s.GetName() == shard }),
	}

	put := []byte(`{"op":"put","key":"a","value":"1"}`)
	first, err := c.Propose(ctx, shard, put, synod.WithIdempotencyKey("conformance-1"))
	if err != nil {
		return nil, fmt.Errorf("propose: %w", err)
	}
	out["propose"] = obj{"result": string(first.Result), "replayed": first.Replayed}

	again, err := c.Propose(ctx, shard, put, synod.WithIdempotencyKey("conformance-1"))
	if err != nil {
		return nil, fmt.Errorf("retry: %w", err)
	}
	out["retry"] = obj{"result": string(again.Result), "replayed": again.Replayed, "same_index": again.Index == first.Index}

	_, err = c.Propose(ctx, shard, []byte(`{"op":"put","key":"a","value":"2"}`), synod.WithIdempotencyKey("conformance-1"))
	if out["key_reused"], err = failure(err, "applied"); err != nil {
		return nil, fmt.Errorf("key_reused: %w", err)
	}

	auto, err := c.Propose(ctx, shard, []byte(`{"op":"put","key":"b","value":"2"}`))
	if err != nil {
		return nil, fmt.Errorf("auto_key: %w", err)
	}
	out["auto_key"] = obj{"result": string(auto.Result), "replayed": auto.Replayed}

	get := []byte(`{"op":"get","key":"a"}`)
	lin, err := c.Query(ctx, shard, get, synod.Linearizable)
	if err != nil {
		return nil, fmt.Errorf("query_linearizable: %w", err)
	}
	out["query_linearizable"] = string(lin.Result)
	ali, err := c.Query(ctx, shard, get, synod.AtLeastIndex(first.Index))
	if err != nil {
		return nil, fmt.Errorf("query_at_least_index: %w", err)
	}
	out["query_at_least_index"] = string(ali.Result)
	if _, err := c.Query(ctx, shard, get, synod.Stale); err != nil {
		return nil, fmt.Errorf("query_stale: %w", err)
	}
	out["query_stale"] = obj{"ok": true}

	batch, err := c.ProposeBatch(ctx, shard, synod.Batch{Commands: []synod.Command{
		{Data: []byte(`{"op":"put","key":"c","value":"3"}`)},
		{Data: []byte(`{"op":"get","key":"c"}`)},
	}})
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	var results []string
	for i, r := range batch.Results {
		if r.Err != nil {
			return nil, fmt.Errorf("batch command %d: %w", i, r.Err)
		}
		results = append(results, string(r.Result))
	}
	out["batch"] = obj{"results": results}

	_, err = c.Propose(ctx, shard, []byte(`{"op":"cas","key":"a","expect":"9","value":"2"}`))
	if out["application_error"], err = failure(err, "applied", "application_code"); err != nil {
		return nil, fmt.Errorf("application_error: %w", err)
	}

	_, err = c.Query(ctx, shard, []byte(`{"op":"put","key":"x","value":"1"}`), synod.Linearizable)
	if out["query_error"], err = failure(err, "application_code"); err != nil {
		return nil, fmt.Errorf("query_error: %w", err)
	}

	_, err = c.Query(ctx, shard+"-missing", get, synod.Linearizable)
	if out["not_found"], err = failure(err); err != nil {
		return nil, fmt.Errorf("not_found: %w", err)
	}

	past, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	_, err = c.Query(past, shard, get, synod.Linearizable)
	cancel()
	if out["deadline"], err = failure(err); err != nil {
		return nil, fmt.Errorf("deadline: %w", err)
	}

	stranger, err := synod.New(synod.WithToken("not-a-token"))
	if err != nil {
		return nil, err
	}
	_, err = stranger.ListShards(ctx)
	if out["unauthenticated"], err = failure(err); err != nil {
		return nil, fmt.Errorf("unauthenticated: %w", err)
	}

	if err := c.DeleteShard(ctx, shard); err != nil {
		return nil, fmt.Errorf("delete: %w", err)
	}
	_, err = c.GetShard(ctx, shard)
	if out["delete"], err = failure(err); err != nil {
		return nil, fmt.Errorf("delete: %w", err)
	}
	return out, nil
}

// failure describes the error a step expects: its code, and the fields
// named. It fails when the call succeeded or failed with an error that is
// not the SDK's.
func failure(err error, fields ...string) (obj, error) {
	if err == nil {
		return nil, errors.New("the call succeeded; the scenario expects an error")
	}
	var e *synod.Error
	if !errors.As(err, &e) {
		return nil, fmt.Errorf("not a *synod.Error: %w", err)
	}
	o := obj{"code": e.Code.String()}
	for _, f := range fields {
		switch f {
		case "applied":
			o[f] = e.Applied.String()
		case "application_code":
			if e.Application == nil {
				return nil, fmt.Errorf("no application error in %w", err)
			}
			o[f] = e.Application.Code
		}
	}
	return o, nil
}

// isHexSHA256 reports whether s is 64 lowercase hex digits.
func isHexSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32 && hex.EncodeToString(b) == s
}
