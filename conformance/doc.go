// Package conformance holds the cross-language conformance suites
// (README.md): the kv vectors that every kv example must pass on a live
// shard, with equal state digests afterwards, and the client scenario
// that every client SDK's runner must play with the same observations.
// Its tests need every example and runner built: make conformance builds
// them and runs the tests.
package conformance
