package wasm

// Precheck exposes precheck to the external tests.
func Precheck(bin []byte) error { return precheck(bin) }

// PrecheckOverLimit reports whether an error of [Precheck] is for a
// well-formed module over one of precheck's limits.
func PrecheckOverLimit(err error) bool { return err.(*formatError).overLimit }
