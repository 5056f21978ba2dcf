package hostapi

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/link"
	hostv1 "github.com/synodhq/synod/proto/synod/host/v1"
)

// TestQueryBatchToAnOlderLink checks what a client does with a host whose
// link predates QueryBatch (it answers the method as one it does not
// know): the batch's queries go over the link one by one, each with its
// own answer, and the client asks no more batches of that host until
// batchlessRecheck has passed. The host is a stand-in that answers a
// query with its payload reversed, at index 7: this tests the client.
func TestQueryBatchToAnOlderLink(t *testing.T) {
	t.Parallel()
	var batches, queries atomic.Int64
	older := func(ctx context.Context, method uint8, body []byte) (uint8, []byte) {
		switch method {
		case linkQuery:
			queries.Add(1)
			req := new(hostv1.QueryRequest)
			if err := proto.Unmarshal(body, req); err != nil {
				t.Errorf("undecodable query: %v", err)
			}
			b, _ := proto.Marshal(&hostv1.QueryResponse{Output: reversed(req.GetPayload()), Index: 7})
			return linkOK, b
		case linkQueryBatch:
			batches.Add(1)
		}
		// What a build without the method answers: its own answer to a
		// method it does not know (0 is none).
		return (&server{}).serveLink(ctx, 0, body)
	}
	mux := http.NewServeMux() // the link alone: no call may fall back to Connect
	mux.Handle(LinkPath, &Link{srv: link.NewServer(older, link.ServerConfig{MaxBody: 1 << 20, Idle: time.Minute, Refuse: refuseLink})})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := NewLinkedClient(1, srv.URL, &http.Client{})
	t.Cleanup(c.Close)

	payloads := [][]byte{[]byte("abc"), []byte("de"), []byte("f")}
	batch := func(wantBatches, wantQueries int64) {
		t.Helper()
		results, errs, err := c.QueryBatch(t.Context(), 1, host.Stale, payloads)
		if err != nil {
			t.Fatalf("query batch: %v", err)
		}
		for i, p := range payloads {
			if errs[i] != nil || !bytes.Equal(results[i].Output, reversed(p)) || results[i].Index != 7 {
				t.Errorf("query %d: %q at index %d, %v; want %q at index 7", i, results[i].Output, results[i].Index, errs[i], reversed(p))
			}
		}
		if got := batches.Load(); got != wantBatches {
			t.Errorf("the host was asked %d batches, want %d", got, wantBatches)
		}
		if got := queries.Load(); got != wantQueries {
			t.Errorf("the host ran %d queries, want %d", got, wantQueries)
		}
	}
	batch(1, 3)
	batch(1, 6) // the client remembers: no batch asked
	c.batchlessAt.Store(time.Now().Add(-batchlessRecheck).UnixNano())
	batch(2, 9) // time to ask again
}

// reversed returns b's bytes in reverse order, in a new slice.
func reversed(b []byte) []byte {
	out := make([]byte, len(b))
	for i, x := range b {
		out[len(b)-1-i] = x
	}
	return out
}
