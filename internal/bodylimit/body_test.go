package bodylimit

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// zeros is an endless source of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// gzipped returns n zero bytes compressed: as many copies as it takes of
// one compressed MiB, since a gzip stream may hold several members.
func gzipped(t *testing.T, n int64) []byte {
	t.Helper()
	member := func(n int64) []byte {
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := io.CopyN(w, zeros{}, n); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	const mib = 1 << 20
	return append(bytes.Repeat(member(mib), int(n/mib)), member(n%mib)...)
}

// wantTooLarge checks that err is resource_exhausted and names the limit.
func wantTooLarge(t *testing.T, err error, limit string) {
	t.Helper()
	if connect.CodeOf(err) != connect.CodeResourceExhausted || !strings.Contains(err.Error(), "limit of "+limit+" bytes") {
		t.Fatalf("error %v, want resource_exhausted naming the limit of %s bytes", err, limit)
	}
}

func TestBoundedGzip(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	tests := []struct {
		name string
		size int64 // decompressed
		ok   bool
	}{
		{name: "at the limit", size: limit, ok: true},
		{name: "one byte over", size: limit + 1},
		{name: "bomb", size: 256 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := &countingReader{r: bytes.NewReader(gzipped(t, tt.size))}
			compressed := int64(src.r.(*bytes.Reader).Len())
			d := &boundedGzip{max: limit}
			if err := d.Reset(src); err != nil {
				t.Fatal(err)
			}
			// As connect-go reads: up to one byte past the limit.
			n, err := io.Copy(io.Discard, io.LimitReader(d, limit+1))
			switch {
			case tt.ok && (err != nil || n != tt.size):
				t.Fatalf("read %d bytes, %v; want %d", n, err, tt.size)
			case !tt.ok:
				wantTooLarge(t, err, "1048576")
				if n > limit {
					t.Errorf("yielded %d bytes, over the limit", n)
				}
			}
			if !tt.ok && src.n > compressed/16 && compressed > 1<<16 {
				t.Errorf("read %d of %d compressed bytes to refuse it", src.n, compressed)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	tests := []struct {
		name     string
		body     io.Reader
		declared int64 // Content-Length; -1 for unknown
		ok       bool
	}{
		{name: "at the limit", body: io.LimitReader(zeros{}, limit), declared: limit, ok: true},
		{name: "declared too large", body: io.LimitReader(zeros{}, 1<<30), declared: 1 << 30},
		{name: "streamed too large", body: io.LimitReader(zeros{}, 1<<30), declared: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := &countingReader{r: tt.body}
			var read int64
			var readErr error
			h := Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				read, readErr = io.Copy(io.Discard, r.Body)
			}), limit)
			req := httptest.NewRequest(http.MethodPost, "/", body)
			req.ContentLength = tt.declared
			serverBody := req.Body
			h.ServeHTTP(httptest.NewRecorder(), req)
			if req.Body != serverBody {
				t.Error("the handler replaced the server's request body, so the server waits to discard it instead of closing")
			}
			if tt.ok {
				if readErr != nil || read != limit {
					t.Fatalf("read %d bytes, %v; want %d", read, readErr, limit)
				}
				return
			}
			wantTooLarge(t, readErr, "1048576")
			if mbe := (*http.MaxBytesError)(nil); tt.declared < 0 && !errors.As(readErr, &mbe) {
				t.Errorf("error %v does not wrap http.MaxBytesError, which makes the server close the connection", readErr)
			}
			if body.n > limit+framingBytes+32<<10 {
				t.Errorf("read %d bytes of the body, over the limit of %d plus framing", body.n, limit)
			}
		})
	}
}
