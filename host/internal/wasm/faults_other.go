//go:build !linux

package wasm

// faultWatch finds nothing where memory writes are not tracked: resets
// there do not look for written pages (see memoryImage).
type faultWatch struct{}

func watchFaults() faultWatch { return faultWatch{} }

func (faultWatch) none() bool { return false }

func (faultWatch) stop() {}
