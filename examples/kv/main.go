// Command kv is an example Synod state machine: a key-value store with
// compare-and-swap and prefix listing, driven by JSON commands.
//
// Build it as a WebAssembly module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o examples/kv/kv.wasm ./examples/kv
//
// Keys and values are JSON strings. Commands (updates, through Propose):
//
//	{"op":"put","key":"a","value":"1"}               → {"ok":true}
//	{"op":"delete","key":"a"}                        → {"ok":true}
//	{"op":"cas","key":"a","expect":"1","value":"2"}  → {"ok":true}
//	{"op":"cas","key":"b","value":"1"}               → {"ok":true} (expect absent or null: b must not exist)
//
// Reads, as a query or as an update:
//
//	{"op":"get","key":"a"}                → {"key":"a","value":"1","found":true}
//	{"op":"get","key":"zz"}               → {"key":"zz","found":false}
//	{"op":"list","prefix":"a","limit":10} → {"items":[{"key":"a","value":"1"}]}
//
// list returns at most limit items (default 100, at most 1000) in key order,
// and "more":true when it stopped before the end of the prefix.
//
// Application error codes:
//
//	400  bad command: malformed JSON, unknown op or field, a missing key or
//	     value, a key or value over the ABI limits, a write sent as a query
//	409  cas mismatch: the key's current value is not the expected one
//	500  put_then_fail (below)
//
// A get of a missing key is not an error: it answers "found":false.
//
// Two more ops are test aids for the host's rollback, not for applications:
//
//	{"op":"put_then_fail","key":"a","value":"1"}  writes, then fails with 500
//	{"op":"put_then_trap","key":"a","value":"1"}  writes, then panics (a trap)
//
// In both cases the write must be rolled back.
//
// kv reads commands and writes results with a small JSON codec of its own
// (decode.go, encode.go) that behaves as encoding/json did but costs far
// less in a guest: README.md says why and how.
package main

import "github.com/synodhq/synod/sdk/guest"

var handlers = guest.Handlers{Update: update, Query: query}

// init registers the handlers: a module built with -buildmode=c-shared never
// runs main.
func init() { guest.Register(handlers) }

func main() {}
