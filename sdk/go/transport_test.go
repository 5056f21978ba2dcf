package synod_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/devca"
	"github.com/synodhq/synod/internal/server"
	"github.com/synodhq/synod/internal/testtime"
	"github.com/synodhq/synod/internal/testwasm"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
	synod "github.com/synodhq/synod/sdk/go"
)

// lossyTransport sends every request on the real transport, and loses
// the first drop responses to calls of procedure after the gateway has
// answered them: the command ran, but the client cannot know it.
type lossyTransport struct {
	procedure string
	drop      atomic.Int32 // responses still to lose
	sent      atomic.Int32 // calls of procedure sent
}

var errLost = errors.New("test: connection lost after the request was sent")

func (l *lossyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.URL.Path != l.procedure {
		return res, err
	}
	l.sent.Add(1)
	if l.drop.Add(-1) < 0 {
		return res, nil
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return nil, errLost
}

func lossyClient(t *testing.T, procedure string, drop int32) (*synod.Client, *lossyTransport) {
	t.Helper()
	l := &lossyTransport{procedure: procedure}
	l.drop.Store(drop)
	return newClient(t, synod.WithHTTPClient(&http.Client{Transport: l})), l
}

func TestRetryUnknownOutcome(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, lossy := lossyClient(t, synodv1connect.DataServiceProposeProcedure, 1)
	res, err := c.Propose(ctx, kvShard, kvCmd{Op: "put", Key: t.Name(), Value: "1"}.bytes())
	if err != nil {
		t.Fatalf("Propose whose first response is lost: %v", err)
	}
	if !res.Replayed || lossy.sent.Load() != 2 {
		t.Fatalf("Propose = %+v after %d attempts, want the first attempt's result replayed by the second", res, lossy.sent.Load())
	}
	if q, err := c.Query(ctx, kvShard, kvCmd{Op: "get", Key: t.Name()}.bytes(), synod.AtLeastIndex(res.Index)); err != nil || !decodeGet(t, q.Result).Found {
		t.Fatalf("Query after the retried Propose = %v, %v", q, err)
	}

	// A batch of keyed commands is retried alike.
	c, lossy = lossyClient(t, synodv1connect.DataServiceProposeProcedure, 1)
	batch, err := c.ProposeBatch(ctx, kvShard, synod.Batch{Commands: []synod.Command{{Data: kvCmd{Op: "put", Key: t.Name(), Value: "2"}.bytes()}}})
	if err != nil || lossy.sent.Load() != 0 {
		t.Fatalf("ProposeBatch = %v, %v; sent %d Proposes", batch, err, lossy.sent.Load())
	}
}

func TestNoRetryWithoutKey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, lossy := lossyClient(t, synodv1connect.DataServiceProposeProcedure, 1)
	_, err := c.Propose(ctx, kvShard, kvCmd{Op: "put", Key: t.Name(), Value: "1"}.bytes(), synod.WithoutIdempotencyKey())
	e := asError(t, err)
	if e.Applied != synod.AppliedUnknown || e.Code != connect.CodeUnavailable || !errors.Is(err, errLost) || lossy.sent.Load() != 1 {
		t.Fatalf("Propose without a key whose response is lost: %v (applied %v) after %d attempts, want unavailable, applied unknown, once", err, e.Applied, lossy.sent.Load())
	}
	// It was applied, once: the client could not tell.
	q, err := c.Query(ctx, kvShard, kvCmd{Op: "get", Key: t.Name()}.bytes(), synod.Linearizable)
	if err != nil || !decodeGet(t, q.Result).Found {
		t.Fatalf("Query = %v, %v: want the lost command's write", q, err)
	}
}

func TestRetryUntilDeadline(t *testing.T) {
	t.Parallel()
	c, lossy := lossyClient(t, synodv1connect.DataServiceProposeProcedure, 1<<30)
	deadline := testtime.Scaled(2 * time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	start := time.Now()
	_, err := c.Propose(ctx, kvShard, kvCmd{Op: "put", Key: t.Name(), Value: "1"}.bytes())
	if e := asError(t, err); e.Applied != synod.AppliedUnknown {
		t.Fatalf("Propose whose every response is lost: %v (applied %v), want applied unknown", err, e.Applied)
	}
	if n := lossy.sent.Load(); n < 2 {
		t.Fatalf("Propose made %d attempts before its deadline of %v, want it to retry", n, deadline)
	}
	if d := time.Since(start); d > deadline+testtime.Scaled(2*time.Second) {
		t.Fatalf("Propose returned %v after its deadline of %v", d, deadline)
	}
}

func TestEnvironment(t *testing.T) {
	// t.Setenv: not parallel.
	ctx := t.Context()
	t.Setenv("SYNOD_ADDR", cluster.URL())
	t.Setenv("SYNOD_TOKEN", cluster.AdminToken())
	t.Setenv("SYNOD_NAMESPACE", "")
	c, err := synod.New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := c.GetShard(ctx, kvShard); err != nil || c.Namespace() != synod.DefaultNamespace {
		t.Fatalf("GetShard with the environment's address and token: %v; namespace %q", err, c.Namespace())
	}

	t.Setenv("SYNOD_TOKEN", "synod_wrong")
	if c, err = synod.New(); err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := c.GetShard(ctx, kvShard); asError(t, err).Code != connect.CodeUnauthenticated {
		t.Fatalf("GetShard with SYNOD_TOKEN wrong: %v, want unauthenticated", err)
	}
	if c, err = synod.New(synod.WithToken(cluster.AdminToken())); err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := c.GetShard(ctx, kvShard); err != nil {
		t.Fatalf("GetShard with WithToken over SYNOD_TOKEN: %v", err)
	}

	t.Setenv("SYNOD_NAMESPACE", "elsewhere")
	if c, err = synod.New(synod.WithToken(cluster.AdminToken())); err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := c.GetShard(ctx, kvShard); c.Namespace() != "elsewhere" || asError(t, err).Code != connect.CodeNotFound {
		t.Fatalf("GetShard in namespace %q: %v, want not_found", c.Namespace(), err)
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []synod.Option
	}{
		{"address without a scheme", []synod.Option{synod.WithAddress("127.0.0.1:7070")}},
		{"address of another scheme", []synod.Option{synod.WithAddress("ftp://127.0.0.1")}},
		{"negative timeout", []synod.Option{synod.WithTimeout(-time.Second)}},
		{"missing CA file", []synod.Option{synod.WithCAFile(filepath.Join(t.TempDir(), "none.crt"))}},
		{"CA file and HTTP client", []synod.Option{synod.WithCAFile("ca.crt"), synod.WithHTTPClient(http.DefaultClient)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := synod.New(tc.opts...); err == nil {
				t.Fatal("New: no error")
			}
		})
	}
}

// TestTLS calls a one-host dev cluster that serves HTTPS with a
// certificate of a development CA.
func TestTLS(t *testing.T) {
	t.Parallel()
	ca := t.TempDir()
	if err := devca.Init(ca); err != nil {
		t.Fatal(err)
	}
	cert, err := devca.Issue(ca, "gateway", []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := dev.Start(t.Context(), dev.Config{
		DataDir: t.TempDir(), CacheDir: testwasm.CacheDir(t), Listen: "127.0.0.1:0", Hosts: 1,
		TLS:    server.CertFiles{CertFile: cert.CertFile, KeyFile: cert.KeyFile},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start dev cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close dev cluster: %v", err)
		}
	})

	c, err := synod.NewClient(d.URL(), synod.WithToken(d.AdminToken()), synod.WithCAFile(filepath.Join(ca, devca.CACertFile)))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if _, err := c.ListShards(t.Context()); err != nil {
		t.Fatalf("ListShards over HTTPS: %v", err)
	}
	c, err = synod.NewClient(d.URL(), synod.WithToken(d.AdminToken()))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	// A certificate that does not verify will not pass: no retries.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := c.ListShards(ctx); asError(t, err).Code != connect.CodeUnavailable || ctx.Err() != nil {
		t.Fatalf("ListShards over HTTPS without the CA: %v, want unavailable at once", err)
	}
}
