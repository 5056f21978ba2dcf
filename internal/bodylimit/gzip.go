package bodylimit

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"connectrpc.com/connect"
)

// CompressMinBytes is the smallest response a Synod server compresses,
// when the client accepts it: below it, gzip costs more CPU than it saves
// bytes. (Resetting a gzip writer alone clears its tables: compressing
// every Propose response of the host API took 14% of a leader's CPU under
// load, docs/design.md.)
const CompressMinBytes = 4 << 10

// ConnectOptions returns the Connect handler options that bound a request
// message at maxBytes: connect-go's own limit, and gzip whose
// decompression stops one byte past the limit instead of running to the
// end of the stream to measure it. Responses are compressed from
// CompressMinBytes.
func ConnectOptions(maxBytes int) []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithReadMaxBytes(maxBytes),
		connect.WithCompressMinBytes(CompressMinBytes),
		connect.WithCompression("gzip",
			func() connect.Decompressor { return &boundedGzip{max: int64(maxBytes)} },
			func() connect.Compressor {
				w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
				return w
			},
		),
	}
}

// errDecompressed says that a message was measured after decompression.
var errDecompressed = errors.New("the message decompresses to more")

// boundedGzip is a gzip reader that yields at most max bytes, and fails
// with resource_exhausted if the stream holds more.
type boundedGzip struct {
	gz   gzip.Reader
	max  int64
	left int64
}

// Reset implements connect.Decompressor.
func (b *boundedGzip) Reset(r io.Reader) error {
	b.left = b.max
	if err := b.gz.Reset(r); err != nil {
		return fmt.Errorf("gzip header: %w", err)
	}
	return nil
}

// Read implements io.Reader.
func (b *boundedGzip) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var probe [1]byte
		if n, err := io.ReadFull(&b.gz, probe[:]); n == 0 {
			return 0, err
		}
		return 0, tooLarge(b.max, errDecompressed)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.gz.Read(p)
	b.left -= int64(n)
	return n, err
}

// Close implements connect.Decompressor.
func (b *boundedGzip) Close() error { return b.gz.Close() }
