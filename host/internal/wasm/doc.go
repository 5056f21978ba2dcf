// Package wasm runs guest modules with wazero, behind one small surface: a
// [Runtime] compiles and validates modules (with an on-disk compilation
// cache) and hands out [Module]s, whose [Module.Call] runs one entry point
// on a pooled instance against a [KV] the caller provides.
//
// The contract with guests is docs/abi.md. Everything a guest can observe
// (its input, the store, the clock, the random stream) is supplied per call
// by the caller, so that every replica computes the same result for the same
// entry. Instances are scratch: they are reused across calls and shards of
// the same module, and discarded after a trap.
//
// A module is untrusted: before wazero decodes one, the runtime checks its
// structure (precheck.go), so that the counts and lengths it declares
// cannot make the decoder allocate more than in proportion to its size.
package wasm
