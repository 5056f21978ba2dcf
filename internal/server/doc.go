// Package server runs Synod's long-lived processes — a host (`synod host`)
// and a gateway (`synod gateway`) — from their configuration, so that the
// command line stays a thin layer of flags.
package server
