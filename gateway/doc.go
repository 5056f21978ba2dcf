// Package gateway serves Synod's public API (package synod/v1) over
// Connect, gRPC and gRPC-Web, with JSON or binary payloads, and routes each
// call to the host that can answer it: data-plane calls to the shard's
// leader, catalogue calls to any host (which forwards to the meta shard).
//
// A gateway holds no state of its own beyond caches (shard records and
// leaders), so any number of them can serve one cluster. It reaches hosts
// through the [Host] interface: in process in synod dev, over the internal
// API between processes. It asks hosts what they know of shards
// ([Host.Status]) under the request's context, several hosts at once and
// each within a second, so that a host that does not answer costs a
// request one such wait.
//
// # Retries
//
// A call is retried on another host, with backoff inside the caller's
// deadline, only when retrying cannot apply a command twice: always for
// reads, and for Propose only when the host reports that the command never
// reached the log ([host.ErrNotReplica], [host.ErrNotApplied]). A Propose
// whose fate is unknown fails with Unavailable and a message that says so.
package gateway
