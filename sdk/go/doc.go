// Package synod is the Go client of Synod, consensus as a service: it
// uploads WebAssembly state machines, creates shards that run them, and
// sends them commands and queries. It is a small layer over the generated
// Connect clients of [github.com/synodhq/synod/proto/synod/v1/synodv1connect],
// whose message types it returns where they describe a module or a shard.
//
// # Connecting
//
// [New] reads its settings from options, then from the environment, as the
// synod CLI does:
//
//   - the gateway's URL: [WithAddress], else SYNOD_ADDR, else
//     http://127.0.0.1:7070 (what synod dev serves);
//   - the API key, sent as "Authorization: Bearer <token>": [WithToken],
//     else SYNOD_TOKEN, else none;
//   - the namespace of every module and shard named: [WithNamespace], else
//     SYNOD_NAMESPACE, else "default";
//   - the CA that signed an https:// gateway's certificate:
//     [WithCAFile], else the file SYNOD_TLS_CA names, else the system's
//     roots.
//
// # Commands, exactly once
//
// [Client.Propose] sends every command with an idempotency key, generated
// (128 random bits) unless [WithIdempotencyKey] gives one, and retries it
// with the same key, with backoff, when its outcome is unknown: the
// gateway said so (APPLIED_UNKNOWN), or the connection failed after the
// request may have left. The shard runs a keyed command at most once and
// answers a repeat with the first result ([ProposeResult.Replayed]), so
// the retries are safe. Retries stop at the context's deadline, or after
// the client's timeout ([WithTimeout]) when the context has none. With
// [WithoutIdempotencyKey] a command goes without a key and is never retried
// unless the gateway says it was not applied. [Client.ProposeBatch] does
// the same for a batch, with a key per command. Queries, reads and
// uploads (modules are content-addressed) are retried alike; creating and
// deleting are not. README.md says why each is as it is.
//
// # Errors
//
// Every call fails with an [*Error] (test with [errors.As]), which wraps
// the [*connect.Error] it came from. It says whether a failed command was
// applied ([Error.Applied]), which fuel it used, and, when the module
// rejected the command, the module's own code and message
// ([Error.Application], [IsApplicationError]).
package synod
