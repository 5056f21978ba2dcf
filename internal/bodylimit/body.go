package bodylimit

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"connectrpc.com/connect"
)

// DefaultMaxBytes is the largest request message a server accepts by
// default: a module of the largest allowed size, plus framing.
const DefaultMaxBytes = 20 << 20

// framingBytes is what a body may hold beyond its message: an envelope's
// prefix, gRPC-Web trailers, and the few bytes per 64 KiB by which gzip
// grows a message that does not compress.
const framingBytes = 64 << 10

// Handler returns h with every request body capped at maxBytes plus
// framing. A body declared larger is refused before a byte of it is read;
// one that turns out larger fails the read that crosses the cap, and the
// server then closes the connection rather than read the rest. Either way
// the handler's read fails with a Connect resource_exhausted error that
// names the limit, which connect-go passes to the client as it is.
func Handler(h http.Handler, maxBytes int64) http.Handler {
	limit := maxBytes + framingBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			// A shallow copy: the server must still see its own body in its
			// request, to close the connection rather than wait to discard
			// what the handler left unread.
			r = r.WithContext(r.Context())
			if r.ContentLength > limit {
				r.Body = refused{tooLarge(maxBytes, fmt.Errorf("%d bytes declared", r.ContentLength))}
			} else {
				r.Body = capped{ReadCloser: http.MaxBytesReader(w, r.Body, limit), maxBytes: maxBytes}
			}
		}
		h.ServeHTTP(w, r)
	})
}

// tooLarge is the error of a request over the limit.
func tooLarge(maxBytes int64, cause error) error {
	return connect.NewError(connect.CodeResourceExhausted,
		fmt.Errorf("request is larger than this server's limit of %d bytes: %w", maxBytes, cause))
}

// capped is a body behind [http.MaxBytesReader], whose error it turns into
// [tooLarge].
type capped struct {
	io.ReadCloser
	maxBytes int64
}

func (c capped) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		err = tooLarge(c.maxBytes, err)
	}
	return n, err
}

// refused is a body that is not read at all.
type refused struct{ err error }

func (r refused) Read([]byte) (int, error) { return 0, r.err }
func (r refused) Close() error             { return nil }
