// Package gateway serves Synod's public API (package synod/v1) over
// Connect, gRPC and gRPC-Web, with JSON or binary payloads, and on REST
// routes (docs/api.md), and routes each call to the host that can answer
// it: data-plane calls to the shard's leader, catalogue calls to any host
// (which forwards to the meta shard).
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
// deadline, only when its failure may pass (see [outcome.Kind.Transient])
// and retrying cannot apply a command twice: when the failure says the
// command was not applied ([outcome.AppliedNo]), or when the procedure's
// idempotency level says repeating it is safe. A Propose whose fate is
// unknown fails with Unavailable; every failed Propose carries a
// synod.v1.ProposeFailure detail saying whether it was applied.
package gateway
