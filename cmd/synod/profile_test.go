package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestServeProfiles(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "10.0.0.1:6060", "example.com:6060", "6060"} {
		if _, err := serveProfiles(addr, io.Discard); err == nil || !strings.Contains(err.Error(), "want a loopback") {
			t.Errorf("serveProfiles(%q) = %v; want a refusal of a non-loopback address", addr, err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var out strings.Builder
	stop, err := serveProfiles(addr, &out)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "goroutine profile") || !strings.Contains(out.String(), addr) {
		t.Errorf("GET goroutine profile: %d %.80q; log %q", res.StatusCode, body, out.String())
	}
	stop()
	if _, err := http.Get("http://" + addr + "/debug/pprof/"); err == nil {
		t.Error("profiles still served after stop")
	}
}
