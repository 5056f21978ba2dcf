package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/server"
	"github.com/synodhq/synod/proto/synod/host/v1/hostv1connect"
)

// TestHostLink calls a shard's leader over a link (a host API that serves
// the link and nothing else: no Connect Propose or Query to fall back on),
// over Connect alone (a host API without the link, as an older host's
// would be), and over Connect to a host API without QueryBatch (as a host
// of a build before it), and checks that all give the same results and the
// same failures; then a batch of queries' limits, over the link.
func TestHostLink(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	s := c.kvShardFueled(t, "linked", 3, 1_000_000_000) // the most: lists of a few MiB
	leader := c.Host(c.leaderIndex(t, s))

	linkOnly := hostapi.NewLink(leader, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(linkOnly.Close)
	mux := http.NewServeMux()
	mux.Handle(hostapi.LinkPath, linkOnly)
	overLink := httptest.NewServer(mux)
	t.Cleanup(overLink.Close)

	mux = http.NewServeMux()
	mux.Handle(hostapi.NewHandler(leader, 0))
	connectOnly := httptest.NewServer(mux)
	t.Cleanup(connectOnly.Close)

	mux = http.NewServeMux()
	mux.Handle(hostapi.NewHandler(leader, 0))
	mux.Handle(hostv1connect.HostServiceQueryBatchProcedure, http.NotFoundHandler())
	noQueryBatch := httptest.NewServer(mux)
	t.Cleanup(noQueryBatch.Close)

	clients := map[string]*hostapi.Client{
		"link":          hostapi.NewLinkedClient(leader.ID(), overLink.URL, server.APIClient),
		"connect":       hostapi.NewLinkedClient(leader.ID(), connectOnly.URL, server.APIClient),
		"no QueryBatch": hostapi.NewLinkedClient(leader.ID(), noQueryBatch.URL, server.APIClient),
	}
	for name, hc := range clients {
		t.Cleanup(hc.Close)
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			key := "k-" + name
			put, err := hc.Propose(ctx, s.GetId(), host.Command{Payload: kvCmd{Op: "put", Key: key, Value: "v"}.bytes(), IdempotencyKey: "once-" + name})
			if err != nil {
				t.Fatalf("propose: %v", err)
			}
			again, err := hc.Propose(ctx, s.GetId(), host.Command{Payload: kvCmd{Op: "put", Key: key, Value: "v"}.bytes(), IdempotencyKey: "once-" + name})
			if err != nil || !again.Replayed || again.Index != put.Index {
				t.Fatalf("retried propose: %+v, %v; want the first's result, replayed", again, err)
			}
			for _, level := range []host.Consistency{host.Linearizable, host.Stale} {
				got, err := hc.Query(ctx, s.GetId(), host.Read{Payload: kvCmd{Op: "get", Key: key}.bytes(), Consistency: level})
				if err != nil {
					t.Fatalf("query at level %d: %v", level, err)
				}
				if r := decodeKV(t, got.Output); !r.Found || r.Value != "v" {
					t.Errorf("query at level %d: %+v, want the value put", level, r)
				}
				// A batch answers each query as Query would.
				results, errs, err := hc.QueryBatch(ctx, s.GetId(), level, [][]byte{
					kvCmd{Op: "get", Key: key}.bytes(), []byte("not json"), kvCmd{Op: "get", Key: "absent-" + key}.bytes(),
				})
				if err != nil || len(results) != 3 || len(errs) != 3 {
					t.Fatalf("query batch at level %d: %d results, %d failures, %v", level, len(results), len(errs), err)
				}
				if r := decodeKV(t, results[0].Output); errs[0] != nil || !r.Found || r.Value != "v" || results[0].Index < put.Index {
					t.Errorf("query batch at level %d, first: %+v (index %d), %v; want the value put, at index %d or later", level, r, results[0].Index, errs[0], put.Index)
				}
				if ae := new(outcome.AppError); !errors.As(errs[1], &ae) || outcome.FuelOf(errs[1]) == 0 {
					t.Errorf("query batch at level %d, bad query: %v, want the module's error with the fuel it used", level, errs[1])
				}
				if r := decodeKV(t, results[2].Output); errs[2] != nil || r.Found {
					t.Errorf("query batch at level %d, absent key: %+v, %v; want not found", level, r, errs[2])
				}
			}
			_, errs, err := hc.QueryBatch(ctx, 1<<40, host.Stale, [][]byte{kvCmd{Op: "get", Key: key}.bytes()})
			if name == "no QueryBatch" && err == nil {
				err = errs[0] // run alone, the query failed
			}
			if outcome.KindOf(err) != outcome.NotReplica {
				t.Errorf("query batch of an unknown shard: %v, want not a replica", err)
			}
			// Failures keep their outcome across the link.
			_, err = hc.Propose(ctx, s.GetId(), host.Command{Payload: []byte("not json")})
			var ae *outcome.AppError
			if !errors.As(err, &ae) || outcome.FuelOf(err) == 0 {
				t.Errorf("bad command: %v, want the module's error with the fuel it used", err)
			}
			_, err = hc.Propose(ctx, 1<<40, host.Command{Payload: kvCmd{Op: "put", Key: "x"}.bytes()})
			if outcome.KindOf(err) != outcome.NotReplica || outcome.AppliedOf(err) != outcome.AppliedNo {
				t.Errorf("unknown shard: %v, want not a replica, not applied", err)
			}
			expired, cancel := context.WithTimeout(ctx, 0)
			defer cancel()
			if _, err := hc.Query(expired, s.GetId(), host.Read{Payload: kvCmd{Op: "get", Key: key}.bytes()}); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("query past its deadline: %v, want deadline exceeded", err)
			}
		})
	}

	// A batch's limits: its queries' count and bytes, and its answers'
	// bytes, past which the rest of its queries fail, to be sent again,
	// and the link carries on.
	hc, ctx := clients["link"], t.Context()
	tooMany := make([][]byte, host.MaxBatchCommands+1)
	for i := range tooMany {
		tooMany[i] = kvCmd{Op: "get", Key: "k-link"}.bytes()
	}
	if _, _, err := hc.QueryBatch(ctx, s.GetId(), host.Stale, tooMany); outcome.KindOf(err) != outcome.OverLimit {
		t.Errorf("a batch of %d queries: %v, want over the limit", len(tooMany), err)
	}
	if _, _, err := hc.QueryBatch(ctx, s.GetId(), host.Stale, [][]byte{make([]byte, host.MaxPayloadBytes/2+1), make([]byte, host.MaxPayloadBytes/2)}); !errors.Is(err, host.ErrTooLarge) {
		t.Errorf("a batch of %d bytes of queries: %v, want too large", host.MaxPayloadBytes+1, err)
	}
	// Three values of 1 MiB (the kv example's limit): each list of them
	// answers some 3 MiB.
	value := strings.Repeat("b", 1<<20)
	for i := range 3 {
		if _, err := hc.Propose(ctx, s.GetId(), host.Command{Payload: kvCmd{Op: "put", Key: fmt.Sprint("big", i), Value: value}.bytes()}); err != nil {
			t.Fatalf("put a 1 MiB value: %v", err)
		}
	}
	gets := make([][]byte, 4)
	for i := range gets {
		gets[i] = kvCmd{Op: "list", Prefix: "big"}.bytes()
	}
	for _, level := range []host.Consistency{host.Linearizable, host.Stale} {
		results, errs, err := hc.QueryBatch(ctx, s.GetId(), level, gets)
		if err != nil {
			t.Fatalf("a batch of 4 lists of 3 MiB at level %d: %v", level, err)
		}
		answered := 0
		for i := range gets {
			switch {
			case errs[i] == nil && len(decodeKV(t, results[i].Output).Items) == 3:
				answered++
			case outcome.KindOf(errs[i]) != outcome.Unavailable || outcome.AppliedOf(errs[i]) != outcome.AppliedNo:
				t.Errorf("a list of 3 MiB at level %d: %v, want its items or unavailable (not applied)", level, errs[i])
			}
		}
		if answered != 2 {
			t.Errorf("a batch of 4 lists of 3 MiB at level %d answered %d, want the 2 that fit in 8 MiB", level, answered)
		}
	}
	if _, err := hc.Query(ctx, s.GetId(), host.Read{Payload: kvCmd{Op: "get", Key: "k-link"}.bytes()}); err != nil {
		t.Errorf("a query after the large batches: %v", err)
	}

	res, err := http.Get(overLink.URL + hostapi.LinkPath)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("plain GET of the link path: %s, want 426", res.Status)
	}
}
