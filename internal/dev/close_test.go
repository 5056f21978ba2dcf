package dev

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestCloseWithAConnectionNotYetUsed closes a cluster while a client holds
// a connection to it on which it has sent nothing yet, as an HTTP client
// does with a connection it dialled for a request that another
// connection then carried. Close must not fail for it.
func TestCloseWithAConnectionNotYetUsed(t *testing.T) {
	t.Parallel()
	c, err := Start(context.Background(), Config{
		DataDir: t.TempDir(), Listen: "127.0.0.1:0", Hosts: 1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	unused, err := net.Dial("tcp", strings.TrimPrefix(c.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer unused.Close()
	// The server accepts connections in the order they came: once a
	// request on a later one is answered, it holds the unused one.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get(c.URL() + "/")
	if err != nil {
		t.Fatalf("a request on another connection: %v", err)
	}
	res.Body.Close()
	if err := c.Close(); err != nil {
		t.Errorf("close with a connection not yet used: %v", err)
	}
}
