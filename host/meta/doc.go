// Package meta is the meta shard: the Raft group, on up to three hosts,
// whose native Go state machine holds the cluster's catalogue — modules,
// shards and their replicas, and hosts.
//
// Commands and query results are JSON, which Go encodes deterministically
// for these types; the catalogue is small and rarely written, so clarity wins
// over compactness. Every decision a command implies (a shard's id, where
// its replicas go) is made inside [Executor.Update], from the state alone,
// so every replica of the meta shard makes the same one.
package meta
