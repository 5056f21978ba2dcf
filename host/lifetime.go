package host

import "sync"

// lifetime guards a host's shared resources (the NodeHost, the state DB,
// the wasm runtime) against [Host.Close]: every call that uses them holds
// the lifetime for reading, and Close waits for those calls to end.
type lifetime struct {
	mu     sync.RWMutex
	closed bool
}

// acquire holds the resources for one call, which must release them; it
// fails with [ErrClosed] once the host has closed.
func (l *lifetime) acquire() error {
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return ErrClosed
	}
	return nil
}

// tryAcquire is acquire for a caller that must not wait: it fails at once,
// rather than waiting, while the host is closing. Raft's transport wakes
// replicas with it (see replicaSet.arrive): Close waits for the
// transport's goroutines, which must not wait for Close.
func (l *lifetime) tryAcquire() bool {
	if !l.mu.TryRLock() {
		return false
	}
	if l.closed {
		l.mu.RUnlock()
		return false
	}
	return true
}

// release ends a call that acquired the resources.
func (l *lifetime) release() { l.mu.RUnlock() }

// end waits for every call to release the resources, marks them closed
// and runs closeAll, which releases them.
func (l *lifetime) end(closeAll func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	closeAll()
}
