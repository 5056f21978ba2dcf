package e2e

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/synodhq/synod/host"
)

// TestHealthAndReadiness checks the gateway's health endpoints, without
// an API key: /healthz answers while the process serves, /readyz only
// while a host's catalogue replica answers the gateway.
func TestHealthAndReadiness(t *testing.T) {
	c := startCluster(t, host.Config{}, true)
	get := func(path string) (int, string) {
		res, err := http.Get(c.URL() + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(path); code != http.StatusOK {
			t.Errorf("GET %s with every host up: %d %q, want 200", path, code, body)
		}
	}

	// One host down: the others' catalogue replicas still answer.
	if err := c.StopHost(0); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("GET /readyz with two hosts up: %d %q, want 200", code, body)
	}
	for i := 1; i < 3; i++ {
		if err := c.StopHost(i); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, func() bool {
		code, _ := get("/readyz")
		return code == http.StatusServiceUnavailable
	})
	if code, body := get("/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz with no host up: %d %q, want 200: the process still serves", code, body)
	}
}
