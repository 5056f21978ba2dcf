package guest

import "bytes"

// buf receives the results of kv_get and kv_scan. It starts small and grows
// to the largest result seen, so a retry with a larger buffer happens once,
// not on every call. Keeping it costs little: linear memory never shrinks,
// so the instance has reached that size already. Calls never overlap, and
// each result is copied out before the next host call.
var buf = make([]byte, 4<<10)

// reserve grows buf to at least n bytes.
func reserve(n int) {
	if n > len(buf) {
		buf = make([]byte, n)
	}
}

// Get returns the value of key and whether key exists. The returned slice is
// the caller's. Call Get only while a handler runs.
func Get(key []byte) (value []byte, ok bool) {
	n := hostGet(key, buf)
	if n < 0 {
		return nil, false
	}
	if int(n) > len(buf) {
		reserve(int(n))
		if m := hostGet(key, buf); m != n {
			panic("guest: kv_get returned a different length on retry")
		}
	}
	return bytes.Clone(buf[:n]), true
}

// Set sets key to value. The key must be at most [MaxKeySize] bytes and the
// value at most [MaxValueSize] bytes, or the call traps. Set may only be
// called from a [Handlers.Update] handler: a write from a query traps.
func Set(key, value []byte) {
	hostSet(key, value)
}

// Delete deletes key; deleting a key that does not exist is not an error.
// Like [Set], it may only be called from a [Handlers.Update] handler.
func Delete(key []byte) {
	hostDelete(key)
}
