package wasm

// trackerScans returns how many resets of m's idle instances scanned
// their memory for written pages, and whether any of them tracks writes.
func trackerScans(m *Module) (scans int, tracked bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, inst := range append(append([]*instance(nil), m.clean...), m.warm...) {
		if t := inst.lm.tracker; t != nil {
			scans += t.scans
			tracked = true
		}
	}
	return scans, tracked
}
