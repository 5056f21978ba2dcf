// Package e2e holds Synod's end-to-end tests and benchmarks: real clusters
// (dragonboat, pebble on disk in temp dirs, wazero) behind the real gateway,
// called over HTTP on loopback with the generated Connect clients and the
// built synod binary, and by the browser example's module under Node.js,
// which the tests therefore need on PATH (20 or later).
package e2e
