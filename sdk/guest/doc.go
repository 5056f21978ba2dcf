// Package guest is the Go SDK for Synod state machines: WebAssembly modules
// that Synod runs on every replica of a shard.
//
// A guest is a main package that registers its [Handlers] from an init
// function and is built as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o kv.wasm ./kv
//
// A minimal guest:
//
//	package main
//
//	import "github.com/synodhq/synod/sdk/guest"
//
//	var handlers = guest.Handlers{Update: update, Query: query}
//
//	func init() { guest.Register(handlers) }
//
//	// main is never called: see "Registration" below.
//	func main() {}
//
//	func update(cmd []byte) ([]byte, error) { ... }
//	func query(q []byte) ([]byte, error)    { ... }
//
// The package implements the guest side of the Synod guest ABI, version 1
// (docs/abi.md in the Synod repository). It exports synod_abi_version,
// synod_alloc, synod_update and synod_query, and calls the host's synod
// imports; user code never sees a pointer.
//
// # Registration
//
// With -buildmode=c-shared the module's _initialize export runs the Go
// runtime and every package's init functions, but not main.main. Handlers
// must therefore be registered with [Register] from an init function (or a
// package-level variable initialiser); a main function is still required to
// build a main package, and it can stay empty.
//
// # State
//
// State lives in the shard's key-value store, never in Go variables: the host
// may run each call on a fresh instance, or reuse an instance for many calls
// and many shards, so globals are lost at unspecified moments. Read and write
// it with [Get], [Set], [Delete], [Range] and [Prefix], which may only be
// called while a handler runs. Keys are ordered by their bytes.
//
// A [Handlers.Update] handler applies one committed command and may write.
// A [Handlers.Query] handler answers a read-only query; a write from it traps.
//
// # Results, errors and traps
//
// A handler returns its result bytes, or an error:
//
//   - nil error: the call succeeds and its writes are kept.
//   - an [*Error] (see [Errorf]): an application error; every write of the
//     call is rolled back and the client receives the code and message.
//   - any other error: an application error with code 1 and the error's text.
//
// A panic is a trap: the writes are rolled back, the instance is thrown away
// and the client is told the module trapped. Neither an application error
// nor a trap stops the shard.
//
// # Determinism
//
// Every replica must compute the same result and the same writes for the same
// command. Do not depend on Go's map iteration order (sort keys first) or on
// anything kept in globals between calls. The clock and random numbers that
// WASI gives a guest are deterministic, and goroutines must not outlive a call.
// For random numbers read crypto/rand (or seed a generator from it in each
// call): it is reseeded for every command. The top-level generators of
// math/rand and math/rand/v2 are seeded once when an instance starts, so
// what they return depends on the instance's history and differs between
// replicas.
//
// # Testing
//
// On any platform other than wasip1 the same API runs against an in-memory
// shard, so handlers can be unit-tested with go test. [NewTestShard] makes
// one; its [TestShard.Update] and [TestShard.Query] run the handlers with
// the same rollback, trap and read-only rules as the host. TestShard does not
// exist in wasip1 builds: a test file that uses it and must also vet under
// GOOS=wasip1 needs a //go:build !wasip1 line.
package guest
