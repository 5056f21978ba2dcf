//go:build wasip1

package guest

import "unsafe"

// This file is the ABI boundary of a real module: the synod imports, and the
// exports the host calls. Everything else in the package is shared with the
// in-memory test shard of testshard.go.

//go:wasmimport synod kv_get
func kvGet(key *byte, keyLen uint32, buf *byte, bufCap uint32) int32

//go:wasmimport synod kv_set
func kvSet(key *byte, keyLen uint32, val *byte, valLen uint32)

//go:wasmimport synod kv_delete
func kvDelete(key *byte, keyLen uint32)

//go:wasmimport synod kv_scan
func kvScan(start *byte, startLen uint32, end *byte, endLen uint32, limit int32, buf *byte, bufCap uint32) int32

//go:wasmimport synod set_output
func setOutput(ptr *byte, n uint32)

//go:wasmimport synod set_error
func setError(code uint32, msg string)

// ptr returns the address and length of b for a host call. An empty b may
// have a nil address, which the host accepts with a zero length.
func ptr(b []byte) (*byte, uint32) {
	return unsafe.SliceData(b), uint32(len(b))
}

func hostGet(key, buf []byte) int32 {
	k, kn := ptr(key)
	b, bn := ptr(buf)
	return kvGet(k, kn, b, bn)
}

func hostSet(key, value []byte) {
	k, kn := ptr(key)
	v, vn := ptr(value)
	kvSet(k, kn, v, vn)
}

func hostDelete(key []byte) {
	k, kn := ptr(key)
	kvDelete(k, kn)
}

func hostScan(start, end []byte, limit int32, buf []byte) int32 {
	s, sn := ptr(start)
	e, en := ptr(end)
	b, bn := ptr(buf)
	return kvScan(s, sn, e, en, limit, b, bn)
}

func hostSetOutput(out []byte) {
	setOutput(ptr(out))
}

func hostSetError(code uint32, msg string) {
	setError(code, msg)
}

//go:wasmexport synod_abi_version
func synodABIVersion() int32 {
	return ABIVersion
}

// requestBuffer receives every request that fits in it. Allocated at
// start-up, it is in the memory each update starts from, so it costs an
// update nothing; a fresh allocation per call would fetch a span for its
// size class in every update (docs/abi.md, "What a guest's fuel goes
// to"; RATIONALE.md, "Memory").
var requestBuffer = make([]byte, 16<<10)

// request keeps the buffer synod_alloc handed out last reachable until the
// entry point that reads it returns. The Go heap does not move, so its
// address stays valid.
var request []byte

//go:wasmexport synod_alloc
func synodAlloc(size uint32) *byte {
	request = requestBuffer
	if int(size) > len(request) {
		request = make([]byte, size)
	}
	return &request[0]
}

//go:wasmexport synod_update
func synodUpdate(ptr *byte, n uint32) int32 {
	return call("update", registered.Update, ptr, n)
}

//go:wasmexport synod_query
func synodQuery(ptr *byte, n uint32) int32 {
	return call("query", registered.Query, ptr, n)
}

func call(entry string, h func([]byte) ([]byte, error), ptr *byte, n uint32) int32 {
	defer func() { request = nil }()
	return dispatch(entry, h, unsafe.Slice(ptr, n))
}
