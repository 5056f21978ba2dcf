// Package store keeps the state of every shard of one host in a single
// pebble database.
//
// # Layout
//
// Every key starts with a one-byte tag and the shard id (8 bytes, big
// endian), so a shard's state is one contiguous range: snapshots stream it,
// recovery replaces it and deleting a shard deletes it.
//
//	's' shardID 'u' key   a user key of the shard, reachable by its module
//	's' shardID 'y' name  a system key of the shard (applied index, clock),
//	                      never reachable by a module
//
// The applied index of a shard is written in the same batch as the state it
// describes, so the two can never disagree, even after a crash.
//
// # Concurrency
//
// A [Txn] belongs to the goroutine that applies a shard's entries (dragonboat
// calls Update of one shard from one goroutine at a time). A [View] is an
// immutable point-in-time snapshot and may be used from any goroutine.
package store
