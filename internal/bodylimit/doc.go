// Package bodylimit bounds what one request body can cost a server: the
// bytes it reads from the network ([Handler]) and the bytes a compressed
// message expands to ([ConnectOptions]). Both are sized from one number,
// the largest request message a server accepts, so that a body is never
// read, nor decompressed, much past it.
//
// connect-go's own limit (connect.WithReadMaxBytes) refuses a message
// over the limit only after measuring it: it reads an oversized body to
// its end, and decompresses an oversized compressed message in full, to
// report its size. A gzip bomb of a few megabytes thus cost gigabytes of
// decompression, and a streamed body of a gigabyte was read to the end.
package bodylimit
