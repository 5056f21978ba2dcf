package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/testwasm"
)

// browserExample is the directory of the browser example: a page and the
// ES module it calls Synod with.
const browserExample = "../examples/browser"

// browserScript runs under Node: it imports the example's module, as the
// page does, and prints what its calls return or throw, as JSON, one
// outcome per line.
const browserScript = `
const { putAndRead } = await import(process.env.SYNOD_MODULE);
const { SYNOD_URL: base, SYNOD_TOKEN: token } = process.env;
const call = async (token, value, idempotencyKey) => {
  try {
    return await putAndRead(base, token, { shard: "web", key: "greeting", value, idempotencyKey });
  } catch (err) {
    return { error: { name: err.name, status: err.status, message: err.message } };
  }
};
for (const outcome of [
  await call(token, "hello", "page-1"),
  await call(token, "hello", "page-1"),
  await call(token, "bye", "page-1"),
  await call("not-a-token", "hello", "page-2"),
]) {
  console.log(JSON.stringify(outcome));
}
`

// browserOutcome is what browserScript prints for a call to putAndRead.
type browserOutcome struct {
	Put struct {
		Result, Index, FuelUsed string
		Replayed                bool
	}
	Get   struct{ Result, Index, FuelUsed string }
	Error *struct {
		Name, Message string
		Status        int
	}
}

// TestBrowserExample serves examples/browser beside a real `synod dev`
// process, checks that the gateway lets a page of that origin make the
// page's calls (their CORS preflights), and runs the page's module under
// Node: a keyed put read back at least at its index, the same put
// replayed, the key reused for another put, and a bad token.
func TestBrowserExample(t *testing.T) {
	node := nodeJS(t)
	p := startDevProcess(t, nil)
	hc := &http.Client{Transport: access.Bearer(p.token, http.DefaultTransport)}
	createShards(t, hc, p.addr, testwasm.Build(t, testwasm.KV), 1, 1, func(int) string { return "web" })

	page := httptest.NewServer(http.FileServer(http.Dir(browserExample)))
	t.Cleanup(page.Close)
	if html := fetchPage(t, page.URL+"/"); !strings.Contains(html, `from "./synod.js"`) {
		t.Fatalf("the page does not import ./synod.js:\n%s", html)
	}
	fetchPage(t, page.URL+"/synod.js")

	shard := p.addr + "/v1/shards/web"
	for _, pf := range []struct{ method, url, headers string }{
		{"POST", shard + ":propose", "authorization,idempotency-key"},
		{"GET", shard + ":query?text=x&consistency=CONSISTENCY_AT_LEAST_INDEX&min_index=1", "authorization"},
	} {
		if origin := preflight(t, pf.url, page.URL, pf.method, pf.headers).Get("Access-Control-Allow-Origin"); origin != "*" {
			t.Errorf("preflight of %s %s from %s: Access-Control-Allow-Origin %q, want *", pf.method, pf.url, page.URL, origin)
		}
	}

	module, err := filepath.Abs(filepath.Join(browserExample, "synod.js"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, "--input-type=module", "-e", browserScript)
	cmd.Env = append(os.Environ(), "SYNOD_MODULE="+(&url.URL{Scheme: "file", Path: module}).String(), "SYNOD_URL="+p.addr, "SYNOD_TOKEN="+p.token)
	cmd.Stderr = &strings.Builder{}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, cmd.Stderr)
	}
	var got []browserOutcome
	for line := range strings.Lines(string(out)) {
		var o browserOutcome
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("node printed %q: %v", line, err)
		}
		got = append(got, o)
	}
	if len(got) != 4 {
		t.Fatalf("node printed %d outcomes, want 4:\n%s", len(got), out)
	}
	checkBrowserOutcomes(t, got)

	// A browser lets the page read the Synod-* headers of an answer only
	// where the answer exposes them.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, shard+":query?text="+url.QueryEscape(`{"op":"get","key":"greeting"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", page.URL)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("query from %s: %v", page.URL, err)
	}
	res.Body.Close()
	exposed := res.Header.Get("Access-Control-Expose-Headers")
	for _, h := range []string{"Synod-Index", "Synod-Fuel-Used", "Synod-Replayed"} {
		if !strings.Contains(exposed, h) {
			t.Errorf("a query from %s: Access-Control-Expose-Headers %q lacks %s", page.URL, exposed, h)
		}
	}
}

// checkBrowserOutcomes checks what browserScript printed.
func checkBrowserOutcomes(t *testing.T, got []browserOutcome) {
	t.Helper()
	first, again, reused, badToken := got[0], got[1], got[2], got[3]
	putIndex, _ := strconv.ParseUint(first.Put.Index, 10, 64)
	getIndex, _ := strconv.ParseUint(first.Get.Index, 10, 64)
	if first.Error != nil || first.Put.Result != `{"ok":true}` || putIndex == 0 || first.Put.Replayed || !positive(first.Put.FuelUsed) ||
		first.Get.Result != `{"key":"greeting","value":"hello","found":true}` || getIndex < putIndex || !positive(first.Get.FuelUsed) {
		t.Errorf("put and read: %+v, want the put's result, index and fuel, and the value read at least at that index", first)
	}
	if again.Error != nil || !again.Put.Replayed || again.Put.Index != first.Put.Index || again.Put.Result != first.Put.Result {
		t.Errorf("the same put again: %+v, want it replayed from index %s", again, first.Put.Index)
	}
	if e := reused.Error; e == nil || e.Name != "SynodError" || e.Status != http.StatusBadRequest || !strings.Contains(e.Message, "page-1") {
		t.Errorf("another put with the key: %+v, want a SynodError, HTTP 400 naming the key", reused)
	}
	if e := badToken.Error; e == nil || e.Name != "SynodError" || e.Status != http.StatusUnauthorized {
		t.Errorf("a bad token: %+v, want a SynodError, HTTP 401", badToken)
	}
	t.Logf("put %s at index %s for %s fuel; read %s at index %s for %s fuel; a retry was replayed; the key reused: %s",
		first.Put.Result, first.Put.Index, first.Put.FuelUsed, first.Get.Result, first.Get.Index, first.Get.FuelUsed, reused.Error.Message)
}

// nodeJS returns the path of Node.js 20 or later, or fails the test: the
// browser example's check needs it, and CI's image has it.
func nodeJS(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("Node.js 20 or later must be on PATH to run examples/browser/synod.js: %v", err)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", node, err)
	}
	version := strings.TrimSpace(string(out))
	major, _, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	if n, err := strconv.Atoi(major); err != nil || n < 20 {
		t.Fatalf("%s is Node.js %s; examples/browser/synod.js needs 20 or later", node, version)
	}
	return node
}

// positive reports whether s is a decimal number above zero.
func positive(s string) bool {
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n > 0
}

// fetchPage fetches url, fails unless the answer is 200 OK, and returns its body.
func fetchPage(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d (%v)", url, res.StatusCode, err)
	}
	return string(body)
}

// preflight sends the CORS preflight a browser on origin sends before a
// request of method to url with the request headers (lower case, comma
// separated), fails unless the gateway allows the method and every header,
// and returns the answer's headers.
func preflight(t *testing.T, url, origin, method, headers string) http.Header {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodOptions, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	req.Header.Set("Access-Control-Request-Headers", headers)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("preflight of %s %s: %v", method, url, err)
	}
	res.Body.Close()
	allowed := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers"))
	ok := res.StatusCode == http.StatusNoContent && strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), method)
	for h := range strings.SplitSeq(headers, ",") {
		ok = ok && strings.Contains(allowed, h)
	}
	if !ok {
		t.Errorf("preflight of %s %s from %s = %d %v, want 204 allowing it", method, url, origin, res.StatusCode, res.Header)
	}
	return res.Header
}
