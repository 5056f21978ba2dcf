// Package access decides who may do what: the namespaces that scope
// modules and shards, the roles a key holds in them, what each call needs,
// and the form of API keys (an id that may be shown, and a secret that is
// shown once and stored only as its hash).
//
// It is pure logic, shared by the gateway (which checks every call) and
// the meta shard (which stores keys and refuses malformed ones).
package access
