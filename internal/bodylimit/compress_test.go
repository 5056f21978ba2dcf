package bodylimit

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestCompressMinBytes checks that a server with ConnectOptions gzips a
// response from CompressMinBytes on, when the client accepts gzip, and
// sends a smaller one as it is.
func TestCompressMinBytes(t *testing.T) {
	t.Parallel()
	// The handler answers a string as long as the number it is sent.
	path, h := "/test.Echo/Repeat", connect.NewUnaryHandler("/test.Echo/Repeat",
		func(_ context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
			n, _ := strconv.Atoi(req.Msg.GetValue())
			return connect.NewResponse(wrapperspb.String(strings.Repeat("x", n))), nil
		}, ConnectOptions(1<<20)...)
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tt := range []struct {
		n    int
		gzip bool
	}{{n: 100}, {n: CompressMinBytes - 100}, {n: 2 * CompressMinBytes, gzip: true}} {
		body, _ := proto.Marshal(wrapperspb.String(strconv.Itoa(tt.n)))
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/proto")
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := srv.Client().Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Content-Encoding") == "gzip"; res.StatusCode != http.StatusOK || got != tt.gzip {
			t.Errorf("a response of %d bytes: status %d, gzipped %v; want gzipped %v", tt.n, res.StatusCode, got, tt.gzip)
		}
	}
}
