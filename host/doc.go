// Package host runs one Synod host: a dragonboat NodeHost whose Raft logs
// live in pebble, one pebble database for the state of every shard on the
// host, and a wazero runtime that executes the shards' modules.
//
// A host runs a replica of the meta shard (see package meta) when it is one
// of the cluster's initial members, and a replica of every user shard the
// catalogue places on it: a reconciler compares what the catalogue says with
// what runs, and starts or stops replicas to match.
//
// Inside, a host is three parts, each with its own state and lock: the
// data plane (proposals, queries, admission), the replica set (the
// replicas running here and their state machines) and the controller
// (reconciling, steering, heartbeats, verification); see docs/design.md,
// "Map of the code".
//
// [Host] is the surface a gateway calls, in process (synod dev) or through
// the internal API: the data plane ([Host.Propose], [Host.Query]), what it
// knows of a shard ([Host.Status]) and the catalogue ([Host.UploadModule],
// [Host.RunCatalogue], typed by [meta.Catalogue]), served by the meta
// shard.
//
// # Memory
//
// Each host's Raft log uses dragonboat's LogDB with [LogDBShards] shards of
// 4 write buffers of 4 MiB (at most 64 MiB of memtables), and its state DB a
// 32 MiB block cache and 16 MiB memtables; module instances take what their
// linear memory needs, pooled per module. Three hosts in one process fit
// well under 1 GiB.
package host
