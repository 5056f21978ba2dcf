package wasm

// Precheck exposes precheck to the external tests.
func Precheck(bin []byte) error { return precheck(bin) }

// PrecheckOverLimit reports whether an error of [Precheck] is for a
// well-formed module over one of precheck's limits.
func PrecheckOverLimit(err error) bool { return err.(*formatError).overLimit }

// IdleInstances returns how many idle instances m keeps.
func IdleInstances(m *Module) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.clean) + len(m.warm)
}

// StartupMemory returns the size of m's memory once started.
func StartupMemory(m *Module) uint64 { return m.image.size }
