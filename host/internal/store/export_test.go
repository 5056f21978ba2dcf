package store

// Flush writes the memtables out as tables, so that tests can see the
// state on disk.
func (d *DB) Flush() error { return d.pdb.Flush() }
