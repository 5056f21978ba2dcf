// Package e2e holds Synod's end-to-end tests and benchmarks: real clusters
// (dragonboat, pebble on disk in temp dirs, wazero) behind the real gateway,
// called over HTTP on loopback with the generated Connect clients and the
// built synod binary.
package e2e
