package guest

import (
	"bytes"
	"encoding/binary"
	"iter"
)

// Paging parameters for kv_scan. A page starts small, because many scans
// stop after a few entries, and doubles up to the ABI's limit of 1000
// entries. Synod's host also ends a page once its encoding reaches 4 MiB, so
// a page of large values stays small; the guest reserves room for pages up
// to that size.
const (
	firstPageLimit = 64
	maxPageLimit   = 1000
	maxPageReserve = 4 << 20
)

// Range returns the entries with start <= key < end in ascending key order.
// A nil or empty end means no upper bound; start and end must be at most
// [MaxKeySize] bytes. The key and value slices are the caller's to keep.
//
// The iterator reads the store lazily, a page at a time, so breaking out of
// the loop early is cheap. Writes made while iterating may or may not be seen
// by the rest of the loop, the same way on every replica. Range may only be
// used while a handler runs.
func Range(start, end []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, value []byte) bool) {
		from, limit := start, int32(firstPageLimit)
		for {
			page := scanPage(from, end, limit)
			if len(page) == 0 {
				return
			}
			size := len(page)
			var key, value []byte
			for len(page) > 0 {
				key, value, page = nextEntry(page)
				if !yield(key, value) {
					return
				}
			}
			if from = after(key); from == nil {
				return
			}
			limit = min(2*limit, maxPageLimit)
			// The next page is likely up to twice as large.
			reserve(min(2*size, maxPageReserve))
		}
	}
}

// Prefix returns the entries whose key starts with prefix, in ascending key
// order, with the same rules as [Range]. An empty prefix returns every entry.
func Prefix(prefix []byte) iter.Seq2[[]byte, []byte] {
	return Range(prefix, prefixEnd(prefix))
}

// after returns the smallest key greater than key, or nil if key is the
// greatest key there can be. That is key + 0x00, unless key has the maximum
// length: then no key extends it, and a bound longer than a key would trap.
func after(key []byte) []byte {
	if len(key) < MaxKeySize {
		// key's capacity is clipped, so append copies it.
		return append(key[:len(key):len(key)], 0)
	}
	return prefixEnd(key)
}

// prefixEnd returns the smallest key greater than every key that starts with
// prefix, or nil (no upper bound) if there is none.
func prefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xff {
			end := bytes.Clone(prefix[:i+1])
			end[i]++
			return end
		}
	}
	return nil
}

// scanPage fetches the encoding of at most limit entries from [start, end)
// into a fresh slice.
func scanPage(start, end []byte, limit int32) []byte {
	n := hostScan(start, end, limit, buf)
	if n < 0 {
		panic("guest: kv_scan returned a negative length")
	}
	if int(n) > len(buf) {
		reserve(int(n))
		if m := hostScan(start, end, limit, buf); m != n {
			panic("guest: kv_scan returned a different length on retry")
		}
	}
	return bytes.Clone(buf[:n])
}

// nextEntry decodes the first entry of a kv_scan page, encoded as u32le
// key_len, key, u32le value_len, value. The key and value are clipped so
// that appending to them cannot overwrite the rest of the page.
func nextEntry(page []byte) (key, value, rest []byte) {
	key, rest = nextField(page)
	value, rest = nextField(rest)
	return key, value, rest
}

func nextField(b []byte) (field, rest []byte) {
	if len(b) < 4 {
		panic("guest: malformed kv_scan result")
	}
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	if uint64(n) > uint64(len(b)) {
		panic("guest: malformed kv_scan result")
	}
	return b[:n:n], b[n:]
}
