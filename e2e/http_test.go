package e2e

import (
	"net/http"
	"slices"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
)

// TestDevHTTP checks, against a real `synod dev` process, what a browser
// and generic gRPC tools meet there: a CORS preflight from any origin is
// allowed (the gateway listens on loopback), gRPC health checks and
// reflection answer without a key, and a REST call with the admin key
// lists the shards.
func TestDevHTTP(t *testing.T) {
	p := startDevProcess(t, nil)
	base := "http://" + p.hostPort

	const origin = "http://localhost:5173"
	if allowed := preflight(t, base+"/v1/shards/mykv:propose", origin, "POST", "authorization,idempotency-key").Get("Access-Control-Allow-Origin"); allowed != "*" {
		t.Errorf("preflight from %s: Access-Control-Allow-Origin %q, want *", origin, allowed)
	}

	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Transport: &http.Transport{Protocols: &protocols}}
	health, err := grpchealth.NewClient(h2c, base, connect.WithGRPC()).Check(t.Context(), &grpchealth.CheckRequest{})
	if err != nil || health.Status != grpchealth.StatusServing {
		t.Errorf("health = %v, %v; want serving", health, err)
	}
	stream := grpcreflect.NewClient(h2c, base, connect.WithGRPC()).NewStream(t.Context())
	names, err := stream.ListServices()
	_, _ = stream.Close()
	if err != nil || !slices.Contains(names, "synod.v1.DataService") {
		t.Errorf("reflection lists %v, %v; want synod.v1.DataService among them", names, err)
	}

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/v1/shards", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/shards: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /v1/shards = %d, want 200", res.StatusCode)
	}
}
