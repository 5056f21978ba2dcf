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

// TestCallsDoNotWaitForADial: while one call dials a host's link, the
// others go over Connect at once (their client is nil) instead of waiting
// for the dial, which may take linkDialTimeout, past their deadlines; once
// the link is open, calls use it.
func TestCallsDoNotWaitForADial(t *testing.T) {
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
	other := make(chan *link.Client, 1)
	go func() { other <- lk.client(t.Context()) }()
	select {
	case c := <-other:
		if c != nil {
			t.Fatal("a call got a link while another dialled it")
		}
	case <-time.After(time.Minute):
		t.Fatal("a call waited for another call's dial")
	}
	releaseDial()
	if <-first == nil {
		t.Fatal("the call that dialled got no link")
	}
	if lk.client(t.Context()) == nil {
		t.Fatal("a call after the dial got no link")
	}
}
