// Package hostapi is a host's internal API (synod.host.v1.HostService)
// over Connect: [NewHandler] serves a [host.Host], and [Client] calls one
// from another process, satisfying the gateway's view of a host.
//
// Errors cross the wire as a HostError detail naming every host sentinel
// the error matched, so that the client gives back errors that match the
// same sentinels: the gateway's retry rules work the same in process and
// over the network.
package hostapi
