// Package raftnet is the Raft transport of a Synod host: a
// [config.TransportFactory] for dragonboat whose connections speak the
// same bytes as dragonboat's own TCP transport (so hosts running either
// interoperate, snapshot chunks included) and use the same mutual TLS
// (NodeHostConfig's MutualTLS, CAFile, CertFile and KeyFile), but whose
// listener is hardened against what dragonboat's is not:
//
//   - an accept error never ends the process: errors such as EMFILE
//     (the process is out of file descriptors) make the listener back off,
//     5 ms doubling to 1 s, and retry; it logs once when an episode starts
//     and once when accepting works again. Only closing the listener ends
//     its loop;
//   - inbound connections are capped ([Config.MaxConns]; the surplus is
//     closed at once), idle ones are closed ([Config.IdleTimeout]), and the
//     TLS handshake runs on the connection's goroutine under a deadline
//     ([Config.HandshakeTimeout]), never in the accept loop;
//   - a frame's size is checked against the most dragonboat ever sends
//     before anything is allocated, and the buffer of a large frame grows
//     only as its bytes arrive;
//   - message batches and snapshot chunks that carry values nodehost
//     panics on (a message to replica 0, say) or that no dragonboat peer
//     sends (local message types) are dropped and their connection closed;
//   - a panic while a connection's frame is handled is recovered, closing
//     only that connection.
//
// A broken rule is logged once per condition and minute, however many
// connections break it.
//
// What it cannot do is make Raft safe against a peer that speaks it well
// and lies: a well-formed message with a false commit index reaches the
// Raft state machine, which trusts its peers. Mutual TLS keeps strangers
// from speaking at all.
package raftnet
