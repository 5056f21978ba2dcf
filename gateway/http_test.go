package gateway_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"

	"github.com/synodhq/synod/gateway"
	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/dev"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// appOrigin is the one origin the gateways of these tests allow.
const appOrigin = "https://app.example.com"

// httpFixture is a dev cluster with a kv shard "kv1", and a gateway of
// the test's own over its hosts, served on loopback with HTTP/1.1 and
// cleartext HTTP/2.
type httpFixture struct {
	c     *dev.Cluster
	url   string
	token string
	// flaky are the gateway's hosts; queries through them fail while
	// failQueries is set.
	flaky []*flakyHost
}

func startHTTPFixture(t *testing.T) *httpFixture {
	t.Helper()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := dev.Start(t.Context(), dev.Config{
		DataDir: t.TempDir(), CacheDir: testwasm.CacheDir(t), Listen: "127.0.0.1:0", Logger: discard,
	})
	if err != nil {
		t.Fatalf("start dev cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close dev cluster: %v", err)
		}
	})
	createShards(t, c, []string{"kv1"})
	f := &httpFixture{c: c, token: c.AdminToken()}
	var dir hostList
	for i := range 3 {
		fh := &flakyHost{Host: c.Host(i)}
		f.flaky = append(f.flaky, fh)
		dir = append(dir, fh)
	}
	gw, err := gateway.New(gateway.Config{Hosts: dir, Logger: discard, DefaultTimeout: time.Minute, CORSOrigins: []string{appOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	f.url = serveH2C(t, gw.Handler())
	return f
}

// serveH2C serves h on a loopback port with HTTP/1.1 and cleartext
// HTTP/2, and returns its URL.
func serveH2C(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &protocols, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// h2cClient is an HTTP client that speaks cleartext HTTP/2, as gRPC
// clients do.
func h2cClient() *http.Client {
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &protocols}}
}

// flakyHost is a host whose queries fail, as a host that lost the lead
// does, while failQueries is set; it counts them.
type flakyHost struct {
	gateway.Host
	mu          sync.Mutex
	failQueries bool
	queries     []time.Time
}

func (h *flakyHost) Query(ctx context.Context, shardID uint64, r host.Read) (host.Result, error) {
	h.mu.Lock()
	fail := h.failQueries
	if fail {
		h.queries = append(h.queries, time.Now())
	}
	h.mu.Unlock()
	if fail {
		return host.Result{}, host.ErrNotLeader
	}
	return h.Host.Query(ctx, shardID, r)
}

// call makes an HTTP request to the fixture's gateway, with the admin key
// unless noKey, and returns the response and its body.
func (f *httpFixture) call(t *testing.T, method, path, body string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if _, ok := header["Authorization"]; !ok {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return res, b
}

// restError is the JSON body of a failed REST call: a google.rpc.Status.
type restError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Type string `json:"@type"`
	} `json:"details"`
}

// TestHTTP drives the gateway's HTTP surface beyond Connect and gRPC
// through a real server on loopback: REST routes, raw-body propose and
// query, Connect GET, CORS preflights, reflection, health checks and the
// client's deadline bounding the gateway's retries.
func TestHTTP(t *testing.T) {
	f := startHTTPFixture(t)
	t.Run("rest", func(t *testing.T) { testREST(t, f) })
	t.Run("raw", func(t *testing.T) { testRaw(t, f) })
	t.Run("batch", func(t *testing.T) { testBatch(t, f) })
	t.Run("connect get", func(t *testing.T) { testConnectGet(t, f) })
	t.Run("cors", func(t *testing.T) { testCORS(t, f) })
	t.Run("reflection", func(t *testing.T) { testReflection(t, f) })
	t.Run("health", func(t *testing.T) { testHealth(t, f) })
	t.Run("deadline", func(t *testing.T) { testDeadline(t, f) })
}

func testREST(t *testing.T, f *httpFixture) {
	jsonType := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name, method, path, body string
		header                   http.Header
		status                   int
		want                     string // in the body
	}{
		{name: "list shards", method: "GET", path: "/v1/shards", status: 200, want: `"name":"kv1"`},
		{name: "get shard", method: "GET", path: "/v1/shards/kv1", status: 200, want: `"leaderReplicaId":"`},
		{name: "unknown shard", method: "GET", path: "/v1/shards/nope", status: 404, want: `"code":5`},
		{name: "namespace from the query", method: "GET", path: "/v1/shards/kv1?namespace=elsewhere", status: 404, want: `"code":5`},
		{name: "bad namespace", method: "GET", path: "/v1/shards?namespace=NO", status: 400, want: `"code":3`},
		{name: "list modules", method: "GET", path: "/v1/modules", status: 200, want: `"abiVersion":1`},
		{name: "status", method: "GET", path: "/v1/status", status: 200, want: `"hosts":[`},
		{name: "who am i", method: "GET", path: "/v1/whoami", status: 200, want: `"clusterAdmin":true`},
		{name: "no key", method: "GET", path: "/v1/shards", header: http.Header{"Authorization": {""}}, status: 401, want: `"code":16`},
		{name: "bad key", method: "POST", path: "/v1/shards/kv1:propose", body: "x", header: http.Header{"Authorization": {"Bearer nope"}}, status: 401, want: `API key not recognised`},
		{name: "unknown field", method: "POST", path: "/v1/shards", body: `{"name":"x","colour":"red"}`, header: jsonType, status: 400, want: `colour`},
		// vanguard v0.4.0 refuses it with internal, not invalid_argument.
		{name: "unknown query parameter", method: "GET", path: "/v1/shards?colour=red", status: 500, want: `colour`},
		{name: "wrong method", method: "PATCH", path: "/v1/shards", status: 405},
		{name: "unknown route", method: "GET", path: "/v1/nothing", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := f.call(t, tt.method, tt.path, tt.body, tt.header)
			if res.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
				t.Errorf("%s %s = %d %s, want %d with %s", tt.method, tt.path, res.StatusCode, body, tt.status, tt.want)
			}
		})
	}

	t.Run("create and delete", func(t *testing.T) {
		_, body := f.call(t, "GET", "/v1/modules", "", nil)
		var mods struct{ Modules []struct{ Hash string } }
		if err := json.Unmarshal(body, &mods); err != nil || len(mods.Modules) != 1 {
			t.Fatalf("modules: %s (%v)", body, err)
		}
		res, body := f.call(t, "POST", "/v1/shards", `{"name":"rest1","moduleHash":"`+mods.Modules[0].Hash+`","replicaCount":1}`, jsonType)
		if res.StatusCode != 200 && res.StatusCode != 503 { // 503: created, no leader yet
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		res, body = f.call(t, "DELETE", "/v1/shards/rest1", "", nil)
		if res.StatusCode != 200 || string(body) != "{}" {
			t.Fatalf("delete: %d %s", res.StatusCode, body)
		}
		if res, _ := f.call(t, "GET", "/v1/shards/rest1", "", nil); res.StatusCode != 404 {
			t.Fatalf("get deleted shard: %d, want 404", res.StatusCode)
		}
	})
}

func testRaw(t *testing.T, f *httpFixture) {
	// As curl --data-binary @cmd.json sends it.
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	res, body := f.call(t, "POST", "/v1/shards/kv1:propose", `{"op":"put","key":"a","value":"1"}`, form)
	if res.StatusCode != 200 || string(body) != `{"ok":true}` {
		t.Fatalf("propose = %d %q", res.StatusCode, body)
	}
	index, err := strconv.ParseUint(res.Header.Get("Synod-Index"), 10, 64)
	if err != nil || index == 0 || res.Header.Get("Synod-Fuel-Used") == "" || res.Header.Get("Synod-Fuel-Used") == "0" {
		t.Fatalf("propose headers = %v", res.Header)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("propose content type = %q", ct)
	}

	t.Run("idempotency key", func(t *testing.T) {
		keyed := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {"raw-1"}}
		cmd := `{"op":"put","key":"b","value":"1"}`
		first, _ := f.call(t, "POST", "/v1/shards/kv1:propose", cmd, keyed)
		again, body := f.call(t, "POST", "/v1/shards/kv1:propose", cmd, keyed)
		if first.StatusCode != 200 || again.StatusCode != 200 || again.Header.Get("Synod-Replayed") != "true" ||
			again.Header.Get("Synod-Index") != first.Header.Get("Synod-Index") || first.Header.Get("Synod-Replayed") != "" {
			t.Fatalf("keyed proposes: %d %v, then %d %v %s", first.StatusCode, first.Header, again.StatusCode, again.Header, body)
		}
	})

	queries := []struct {
		name, method, path, body string
		want                     string
	}{
		{name: "GET with text", method: "GET", path: "/v1/shards/kv1:query?text=" + url.QueryEscape(`{"op":"get","key":"a"}`), want: `{"key":"a","value":"1","found":true}`},
		{name: "POST, stale", method: "POST", path: "/v1/shards/kv1:query?consistency=CONSISTENCY_STALE", body: `{"op":"get","key":"a"}`, want: `"found":true`},
	}
	for _, tt := range queries {
		t.Run(tt.name, func(t *testing.T) {
			var header http.Header
			if tt.body != "" {
				header = http.Header{"Content-Type": {"text/plain"}}
			}
			res, body := f.call(t, tt.method, tt.path, tt.body, header)
			if res.StatusCode != 200 || !strings.Contains(string(body), tt.want) || res.Header.Get("Synod-Index") == "" {
				t.Fatalf("query = %d %v %s, want %s", res.StatusCode, res.Header, body, tt.want)
			}
		})
	}

	t.Run("application error", func(t *testing.T) {
		res, body := f.call(t, "POST", "/v1/shards/kv1:propose", `{"op":"cas","key":"a","expect":"9","value":"2"}`, form)
		var e restError
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("error body %s: %v", body, err)
		}
		types := make([]string, 0, len(e.Details))
		for _, d := range e.Details {
			types = append(types, d.Type)
		}
		slices.Sort(types)
		want := []string{"type.googleapis.com/synod.v1.ApplicationError", "type.googleapis.com/synod.v1.ProposeFailure"}
		if res.StatusCode != 400 || e.Code != int(connect.CodeFailedPrecondition) || !slices.Equal(types, want) {
			t.Fatalf("failed propose = %d %s, want 400, failed_precondition, details %v", res.StatusCode, body, want)
		}
	})
}

// testBatch sends batches through the REST route of ProposeBatch: each
// command's outcome is in the JSON body, the batch's index and fuel in
// the headers too.
func testBatch(t *testing.T, f *httpFixture) {
	type batchResponse struct {
		Results []struct {
			Result   string
			FuelUsed string
			Index    string
			Error    *struct {
				Code             string
				Applied          string
				ApplicationError *struct{ Code int }
			}
		}
		Index    string
		FuelUsed string
	}
	put := `{"command":"` + b64(`{"op":"put","key":"batch","value":"1"}`) + `","idempotencyKey":"batch-put-`
	mismatch := `{"command":"` + b64(`{"op":"cas","key":"batch","expect":"9","value":"2"}`) + `"}`
	tests := []struct {
		name   string
		atomic bool
		want   []string // each command's error code, "" for success
	}{
		{name: "independent", want: []string{"", "failed_precondition"}},
		// The put is rolled back with the batch.
		{name: "atomic", atomic: true, want: []string{"failed_precondition", "failed_precondition"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"commands":[` + put + tt.name + `"},` + mismatch + `],"atomic":` + strconv.FormatBool(tt.atomic) + `}`
			res, b := f.call(t, "POST", "/v1/shards/kv1:proposeBatch", body, http.Header{"Content-Type": {"application/json"}})
			var out batchResponse
			if err := json.Unmarshal(b, &out); err != nil || res.StatusCode != 200 || len(out.Results) != len(tt.want) {
				t.Fatalf("batch = %d %s (%v)", res.StatusCode, b, err)
			}
			if res.Header.Get("Synod-Index") != out.Index || res.Header.Get("Synod-Fuel-Used") != out.FuelUsed || out.FuelUsed == "0" {
				t.Errorf("headers %v, body's index %s and fuel %s", res.Header, out.Index, out.FuelUsed)
			}
			for i, r := range out.Results {
				code := ""
				if r.Error != nil {
					code = r.Error.Code
				}
				if code != tt.want[i] {
					t.Errorf("command %d: %s, want error %q", i, b, tt.want[i])
				}
			}
			if e := out.Results[1].Error; e == nil || e.Applied != "APPLIED_YES" || e.ApplicationError == nil || e.ApplicationError.Code != 409 {
				t.Errorf("the cas mismatch: %s, want applied, with application error 409", b)
			}
		})
	}
}

func testConnectGet(t *testing.T, f *httpFixture) {
	msg := `{"shard":"kv1","query":"` + b64(`{"op":"get","key":"a"}`) + `"}`
	path := "/synod.v1.DataService/Query?connect=v1&encoding=json&message=" + url.QueryEscape(msg)
	res, body := f.call(t, "GET", path, "", nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"result":"`+b64(`{"key":"a","value":"1","found":true}`)+`"`) {
		t.Fatalf("Connect GET = %d %s", res.StatusCode, body)
	}
}

func testCORS(t *testing.T, f *httpFixture) {
	preflight := func(origin string) *http.Response {
		res, _ := f.call(t, "OPTIONS", "/v1/shards/kv1:propose", "", http.Header{
			"Authorization":                  nil,
			"Origin":                         {origin},
			"Access-Control-Request-Method":  {"POST"},
			"Access-Control-Request-Headers": {"authorization,content-type,idempotency-key"},
		})
		return res
	}
	res := preflight(appOrigin)
	allowed := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers"))
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != appOrigin ||
		!strings.Contains(allowed, "authorization") || !strings.Contains(allowed, "idempotency-key") ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight from %s = %d %v", appOrigin, res.StatusCode, res.Header)
	}
	if res := preflight("https://evil.example.com"); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin was allowed: %v", res.Header)
	}
	res, _ = f.call(t, "POST", "/v1/shards/kv1:query", `{"op":"get","key":"a"}`, http.Header{"Origin": {appOrigin}, "Content-Type": {"text/plain"}})
	exposed := res.Header.Get("Access-Control-Expose-Headers")
	if res.Header.Get("Access-Control-Allow-Origin") != appOrigin || !strings.Contains(exposed, "Synod-Index") || !strings.Contains(exposed, "Synod-Fuel-Used") {
		t.Errorf("call from %s: headers %v", appOrigin, res.Header)
	}
}

func testReflection(t *testing.T, f *httpFixture) {
	// gRPC, with no key, as grpcurl -plaintext HOST list asks.
	stream := grpcreflect.NewClient(h2cClient(), f.url, connect.WithGRPC()).NewStream(t.Context())
	defer stream.Close()
	names, err := stream.ListServices()
	if err != nil {
		t.Fatalf("list services: %v", err)
	}
	got := make([]string, len(names))
	for i, n := range names {
		got[i] = string(n)
	}
	slices.Sort(got)
	want := []string{"synod.v1.ClusterService", "synod.v1.DataService", "synod.v1.KeyService", "synod.v1.ModuleService", "synod.v1.NamespaceService", "synod.v1.ShardService"}
	if !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
	if files, err := stream.FileContainingSymbol("synod.v1.DataService"); err != nil || len(files) == 0 {
		t.Errorf("file of synod.v1.DataService: %d files, %v", len(files), err)
	}
	if _, err := stream.FileContainingSymbol("synod.host.v1.HostService"); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("file of the internal HostService: %v, want not found", err)
	}
}

func testHealth(t *testing.T, f *httpFixture) {
	client := grpchealth.NewClient(h2cClient(), f.url, connect.WithGRPC())
	for _, service := range []string{"", "synod.v1.DataService"} {
		res, err := client.Check(t.Context(), &grpchealth.CheckRequest{Service: service})
		if err != nil || res.Status != grpchealth.StatusServing {
			t.Errorf("health of %q = %v, %v; want serving", service, res, err)
		}
	}
}

// testDeadline checks that a client's deadline bounds a call whose
// attempts the gateway retries (every host answers "not the leader"), in
// each protocol's own form, where the gateway's own default would allow a
// minute.
func testDeadline(t *testing.T, f *httpFixture) {
	const timeout = 300 * time.Millisecond
	query := &synodv1.QueryRequest{Shard: "kv1", Query: []byte(`{"op":"get","key":"a"}`)}
	hc := &http.Client{Transport: access.Bearer(f.c.AdminToken(), h2cClient().Transport)}
	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Connect-Timeout-Ms", func(ctx context.Context) error {
			res, body := f.call(t, "POST", "/synod.v1.DataService/Query", `{"shard":"kv1","query":"`+b64(`{"op":"get","key":"a"}`)+`"}`,
				http.Header{"Content-Type": {"application/json"}, "Connect-Timeout-Ms": {strconv.Itoa(int(timeout.Milliseconds()))}})
			if res.StatusCode == 200 {
				return nil
			}
			return errors.New(string(body))
		}},
		{"grpc-timeout", func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			_, err := synodv1connect.NewDataServiceClient(hc, f.url, connect.WithGRPC()).Query(ctx, connect.NewRequest(query))
			return err
		}},
		{"REST X-Server-Timeout", func(ctx context.Context) error {
			res, body := f.call(t, "GET", "/v1/shards/kv1:query?text=x", "", http.Header{"X-Server-Timeout": {strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64)}})
			if res.StatusCode == 200 {
				return nil
			}
			return errors.New(string(body))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, h := range f.flaky {
				h.mu.Lock()
				h.failQueries, h.queries = true, nil
				h.mu.Unlock()
			}
			start := time.Now()
			err := tt.call(t.Context())
			took := time.Since(start)
			time.Sleep(time.Second) // any attempt the gateway still makes
			var attempts []time.Time
			for _, h := range f.flaky {
				h.mu.Lock()
				h.failQueries = false
				attempts = append(attempts, h.queries...)
				h.mu.Unlock()
			}
			if err == nil {
				t.Fatal("the call succeeded while every host failed")
			}
			last := slices.MaxFunc(attempts, time.Time.Compare)
			if len(attempts) < 2 || took > timeout+time.Second || last.Sub(start) > timeout+200*time.Millisecond {
				t.Fatalf("%d attempts, the last %v after the call began, which returned after %v (%v); want retries within %v",
					len(attempts), last.Sub(start), took, err, timeout)
			}
			t.Logf("%d attempts in %v; the call returned after %v: %v", len(attempts), last.Sub(start), took, err)
		})
	}
}

// b64 is s in standard base64, as protojson writes bytes.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
