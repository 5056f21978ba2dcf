package hostapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/outcome"
	hostv1 "github.com/synodhq/synod/proto/synod/host/v1"
)

// standIn is a host's link whose queries answer with their payload
// reversed, at index 7, and whose QueryBatch answers with batchAnswer; it
// counts the calls of each. It tests the client, not a host.
type standIn struct {
	batchAnswer      func(ctx context.Context, body []byte) (uint8, []byte)
	batches, queries atomic.Int64
}

func (s *standIn) serve(ctx context.Context, method uint8, body []byte) (uint8, []byte) {
	switch method {
	case linkQuery:
		s.queries.Add(1)
		req := new(hostv1.QueryRequest)
		if err := proto.Unmarshal(body, req); err != nil {
			return errorAnswer(err)
		}
		b, _ := proto.Marshal(&hostv1.QueryResponse{Output: reversed(req.GetPayload()), Index: 7})
		return linkOK, b
	case linkQueryBatch:
		s.batches.Add(1)
		return s.batchAnswer(ctx, body)
	}
	return errorAnswer(errors.New("the stand-in serves queries only"))
}

// olderBuild answers as a host whose build predates a method does: with
// its own answer to a method it does not know (0 is none).
func olderBuild(ctx context.Context, body []byte) (uint8, []byte) {
	return (&server{}).serveLink(ctx, 0, body)
}

// errorAnswer is a link call's answer that failed with err.
func errorAnswer(err error) (uint8, []byte) {
	b, _ := proto.Marshal(detailOf(err))
	return linkError, b
}

// reversed returns b's bytes in reverse order, in a new slice.
func reversed(b []byte) []byte {
	out := slices.Clone(b)
	slices.Reverse(out)
	return out
}

// serveLinkOf serves s's link, and nothing else, until the test ends,
// and returns the server's URL.
func serveLinkOf(t *testing.T, s *standIn) string {
	t.Helper()
	l := newLink(s.serve, 1<<20, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(l.Close)
	mux := http.NewServeMux()
	mux.Handle(LinkPath, l)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// linkedTo returns a client of a host API that serves s's link and
// nothing else, so that no call can fall back to Connect unseen.
func linkedTo(t *testing.T, s *standIn) *Client {
	t.Helper()
	c := NewLinkedClient(1, serveLinkOf(t, s), &http.Client{})
	t.Cleanup(c.Close)
	return c
}

// TestQueryBatchToAnOlderLink checks what a client does with a host whose
// link predates QueryBatch: the batch's queries go over the link one by
// one, each with its own answer, and the client asks no more batches of
// that host until batchlessRecheck has passed; once the batch's context
// has ended it sends none, and the batch fails with the context's error.
func TestQueryBatchToAnOlderLink(t *testing.T) {
	t.Parallel()
	s := &standIn{batchAnswer: olderBuild}
	c := linkedTo(t, s)
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
		if got := s.batches.Load(); got != wantBatches {
			t.Errorf("the host was asked %d batches, want %d", got, wantBatches)
		}
		if got := s.queries.Load(); got != wantQueries {
			t.Errorf("the host ran %d queries, want %d", got, wantQueries)
		}
	}
	batch(1, 3)
	batch(1, 6) // the client remembers: no batch asked

	ended, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := c.QueryBatch(ended, 1, host.Stale, payloads); !errors.Is(err, context.Canceled) {
		t.Errorf("query batch after its context ended: %v, want the context's error", err)
	}
	if got := s.queries.Load(); got != 6 {
		t.Errorf("the host ran %d queries after a batch whose context had ended, want none more than 6", got)
	}

	past := time.Now().Add(-batchlessRecheck)
	c.batchlessAt.Store(&past)
	batch(2, 9) // time to ask again
}

// TestQueryBatchRefusedIsNotMissing checks that a host that serves
// QueryBatch and refuses a batch (its limits) is not taken for one
// without the call: the refusal is the batch's failure, no query runs
// alone, and the next batch is asked again.
func TestQueryBatchRefusedIsNotMissing(t *testing.T) {
	t.Parallel()
	s := &standIn{batchAnswer: func(context.Context, []byte) (uint8, []byte) {
		return errorAnswer(outcome.New(outcome.OverLimit, outcome.AppliedNo, 0, "too many queries"))
	}}
	c := linkedTo(t, s)
	for range 2 {
		if _, _, err := c.QueryBatch(t.Context(), 1, host.Stale, [][]byte{[]byte("a")}); outcome.KindOf(err) != outcome.OverLimit {
			t.Errorf("refused batch: %v, want over limit", err)
		}
	}
	if b, q := s.batches.Load(), s.queries.Load(); b != 2 || q != 0 {
		t.Errorf("the host was asked %d batches and ran %d queries alone, want 2 and 0", b, q)
	}
}

// TestLinkOutlivesAnEndedCall checks that a call whose context had ended
// before its link was open does not send the calls after it over Connect
// for linkRetryAfter: the next call opens the link (the host serves no
// Connect API, so a call over it fails).
func TestLinkOutlivesAnEndedCall(t *testing.T) {
	t.Parallel()
	c := linkedTo(t, &standIn{})
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Query(ended, 1, host.Read{Payload: []byte("ab"), Consistency: host.Stale}); err == nil {
		t.Fatal("a query whose context had ended succeeded")
	}
	res, err := c.Query(t.Context(), 1, host.Read{Payload: []byte("ab"), Consistency: host.Stale})
	if err != nil || string(res.Output) != "ba" {
		t.Errorf("the next query: %q, %v; want %q over the link", res.Output, err, "ba")
	}
}
