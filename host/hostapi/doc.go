// Package hostapi is a host's internal API (synod.host.v1.HostService)
// over Connect: [NewHandler] serves a [host.Host], [Client] calls one
// from another process, satisfying the gateway's view of a host, and
// [Discovery] finds every host of a cluster from the URL of any one.
//
// Errors cross the wire as a HostError detail carrying the error's outcome
// (its kind, whether a command was applied, its code and message; see
// internal/outcome), from which the client rebuilds an error with the same
// outcome that matches the same sentinels: the gateway's retry rules work
// the same in process and over the network.
package hostapi
