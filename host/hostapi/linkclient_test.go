package hostapi

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/synodhq/synod/internal/link"
)

// TestCallsWaitForADialWithinTheirDeadlines: while one call dials a
// host's link, the others wait for the dial within their own contexts:
// one whose context ends first gives up then (no link: its call fails at
// its deadline, not at the dial's, which may be linkDialTimeout away),
// and one that outlasts the dial gets the link.
func TestCallsWaitForADialWithinTheirDeadlines(t *testing.T) {
	t.Parallel()
	l := newLink((&standIn{}).serve, 1<<20, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(l.Close)
	mux := http.NewServeMux()
	mux.Handle(LinkPath, l)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	lk := newLinker(srv.URL, &http.Client{})
	t.Cleanup(lk.close)

	dial, dialling, release := lk.dial, make(chan struct{}), make(chan struct{})
	var released sync.Once
	releaseDial := func() { released.Do(func() { close(release) }) }
	t.Cleanup(releaseDial) // before lk.close, which a dial under way would block
	lk.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		close(dialling)
		<-release
		return dial(ctx, network, addr)
	}
	first := make(chan *link.Client, 1)
	go func() { first <- lk.client(t.Context()) }()
	<-dialling
	patient := make(chan *link.Client, 1)
	go func() { patient <- lk.client(t.Context()) }()
	hastyCtx, cancel := context.WithCancel(t.Context())
	hasty := make(chan *link.Client, 1)
	go func() { hasty <- lk.client(hastyCtx) }()
	cancel()
	select {
	case c := <-hasty:
		if c != nil {
			t.Fatal("a call whose context ended during another's dial got a link")
		}
	case <-time.After(time.Minute):
		t.Fatal("a call whose context ended waited on for another call's dial")
	}
	releaseDial()
	if <-first == nil {
		t.Fatal("the call that dialled got no link")
	}
	if <-patient == nil {
		t.Fatal("a call that waited out another's dial got no link")
	}
}
