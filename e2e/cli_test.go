package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/synodhq/synod/internal/server"
	"github.com/synodhq/synod/internal/testport"
	"github.com/synodhq/synod/internal/testtime"
	"github.com/synodhq/synod/internal/testwasm"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// synodBinary builds cmd/synod once per test process.
func synodBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "synod-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "synod")
		out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", binPath, "github.com/synodhq/synod/cmd/synod").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("%w\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatalf("build synod: %v", buildErr)
	}
	return binPath
}

// devProcess is a synod process under test (dev, host or gateway).
type devProcess struct {
	cmd  *exec.Cmd
	addr string
	out  *bytes.Buffer
	mu   *sync.Mutex

	waitOnce *sync.Once
	waitErr  error // how the process ended, once wait returned
}

// wait waits for the process to end and returns how it ended. Any number
// of goroutines may call it, at once or later: it waits for the process
// only once (exec.Cmd.Wait must not run twice at once).
func (p *devProcess) wait() error {
	p.waitOnce.Do(func() { p.waitErr = p.cmd.Wait() })
	return p.waitErr
}

// startDev runs `synod dev` and waits until it prints that it serves.
func startDev(tb testing.TB, dataDir, listen string) *devProcess {
	tb.Helper()
	return startSynod(tb, nil, "serving on ", "dev", "--data-dir", dataDir, "--listen", listen)
}

// startSynod runs the synod binary with args (and env added to the
// environment) and waits for a line with marker; the rest of that line is
// the process's URL.
func startSynod(tb testing.TB, env []string, marker string, args ...string) *devProcess {
	tb.Helper()
	cmd := exec.Command(synodBinary(tb), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	return runSynod(tb, cmd, marker)
}

// runSynod starts cmd, a synod process (perhaps under a wrapper such as
// prlimit), and waits for a line with marker; the rest of that line is the
// process's URL.
func runSynod(tb testing.TB, cmd *exec.Cmd, marker string) *devProcess {
	tb.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", strings.Join(cmd.Args, " "), err)
	}
	p := &devProcess{cmd: cmd, out: &bytes.Buffer{}, mu: &sync.Mutex{}, waitOnce: &sync.Once{}}
	ready, exited := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.out.WriteString(line + "\n")
			p.mu.Unlock()
			if _, url, ok := strings.Cut(line, marker); ok {
				select {
				case ready <- url:
				default:
				}
			}
		}
	}()
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = p.wait() })
	select {
	case p.addr = <-ready:
	case <-exited:
		select {
		case p.addr = <-ready: // printed the line and then ended
		default:
			tb.Fatalf("%s ended before printing %q: %v", strings.Join(cmd.Args, " "), marker, p.wait())
		}
	case <-time.After(testtime.Scaled(60 * time.Second)):
		tb.Fatalf("%s did not print %q within %v", strings.Join(cmd.Args, " "), marker, testtime.Scaled(60*time.Second))
	}
	return p
}

// output returns what the process has printed on standard output.
func (p *devProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// kill ends the process with SIGKILL, as a crash would.
func (p *devProcess) kill(tb testing.TB) {
	tb.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		tb.Fatalf("kill: %v", err)
	}
	_ = p.wait()
}

// stop sends SIGINT and waits for a clean exit.
func (p *devProcess) stop(tb testing.TB) {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		tb.Fatalf("signal synod dev: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- p.wait() }()
	select {
	case err := <-done:
		if err != nil {
			tb.Fatalf("synod dev exited with %v", err)
		}
	case <-time.After(testtime.Scaled(30 * time.Second)):
		tb.Fatalf("synod dev did not exit within %v of SIGINT", testtime.Scaled(30*time.Second))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !strings.Contains(p.out.String(), "shutting down") {
		tb.Fatalf("synod dev output %q does not report its shutdown", p.out.String())
	}
}

// synod runs a client command against addr and returns its stdout, stderr
// and whether it succeeded.
func synod(tb testing.TB, addr, stdin string, args ...string) (stdout, stderr string, ok bool) {
	tb.Helper()
	return synodWith(tb, []string{"SYNOD_ADDR=" + addr}, stdin, args...)
}

// synodWith runs a client command with env added to the environment.
func synodWith(tb testing.TB, env []string, stdin string, args ...string) (stdout, stderr string, ok bool) {
	tb.Helper()
	cmd := exec.Command(synodBinary(tb), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err == nil
}

func mustSynod(tb testing.TB, addr string, args ...string) string {
	tb.Helper()
	out, errOut, ok := synod(tb, addr, "", args...)
	if !ok {
		tb.Fatalf("synod %s failed: %s", strings.Join(args, " "), errOut)
	}
	return out
}

// TestCLIAgainstDevProcess drives the built binary: synod dev as a real
// process on the Raft ports it was given, every client command, global
// flags before the command, hash prefixes, errors, a SIGINT shutdown, and
// a restart that keeps the data.
func TestCLIAgainstDevProcess(t *testing.T) {
	dataDir := t.TempDir()
	listen := testport.Addr(t)
	from := testport.Block(t, 51)
	raftPorts := fmt.Sprintf("%d-%d", from, from+50)
	dev := startSynod(t, nil, "serving on ", "dev", "--data-dir", dataDir, "--listen", listen, "--raft-ports", raftPorts)
	addr := dev.addr
	for _, a := range raftAddrs(t, dataDir) {
		_, p, _ := net.SplitHostPort(a)
		if n, _ := strconv.Atoi(p); n < from || n > from+50 {
			t.Errorf("a host's Raft address is %s, outside --raft-ports %s", a, raftPorts)
		}
	}
	kvPath := testwasm.Path(t, testwasm.KV)

	hash := strings.TrimSpace(mustSynod(t, addr, "module", "upload", kvPath))
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(hash) {
		t.Fatalf("module upload printed %q, want a hash", hash)
	}
	if out := mustSynod(t, addr, "module", "list"); !strings.Contains(out, hash[:12]+" ") || strings.Contains(out, hash) {
		t.Fatalf("module list = %q, want %s, 12 digits of the hash", out, hash[:12])
	}
	if out := mustSynod(t, addr, "module", "get", hash[:5]); !strings.Contains(out, hash[:12]) {
		t.Fatalf("module get by a prefix = %q, want %s", out, hash[:12])
	}
	if out := mustSynod(t, addr, "shard", "create", "cli", "--module", hash[:8], "--replicas", "3"); !strings.Contains(out, "cli") {
		t.Fatalf("shard create = %q", out)
	}
	// Global flags before the command, as the docs show them.
	out, errOut, ok := synodWith(t, nil, "", "--addr", addr, "--json", "shard", "get", "cli")
	var created struct{ Shard struct{ ModuleHash string } }
	if err := json.Unmarshal([]byte(out), &created); !ok || err != nil || created.Shard.ModuleHash != hash {
		t.Fatalf("synod --addr URL --json shard get = %q, %q (%v); want module %s", out, errOut, err, hash)
	}
	if out := mustSynod(t, addr, "propose", "cli", `{"op":"put","key":"a","value":"1"}`); strings.TrimSpace(out) != `{"ok":true}` {
		t.Fatalf("propose put = %q", out)
	}
	out, errOut, ok = synod(t, addr, `{"op":"get","key":"a"}`, "query", "cli", "-")
	if !ok || strings.TrimSpace(out) != `{"key":"a","value":"1","found":true}` {
		t.Fatalf("query from stdin = %q, %q", out, errOut)
	}
	if out := mustSynod(t, addr, "query", "cli", `{"op":"list"}`, "--consistency", "stale"); !strings.Contains(out, `"key":"a"`) {
		t.Fatalf("stale list = %q", out)
	}
	var got struct {
		Shard struct {
			Name            string `json:"name"`
			LeaderReplicaID string `json:"leaderReplicaId"`
			Replicas        []any  `json:"replicas"`
		} `json:"shard"`
	}
	if err := json.Unmarshal([]byte(mustSynod(t, addr, "shard", "get", "cli", "--json")), &got); err != nil {
		t.Fatalf("shard get --json: %v", err)
	}
	if got.Shard.Name != "cli" || len(got.Shard.Replicas) != 3 || got.Shard.LeaderReplicaID == "" {
		t.Fatalf("shard get --json = %+v", got)
	}
	if out := mustSynod(t, addr, "shard", "list"); !strings.Contains(out, "cli") {
		t.Fatalf("shard list = %q", out)
	}
	// synod bench creates its shard from --module, and measures; once the
	// shard exists, it does not read (or upload) the module.
	for _, args := range [][]string{
		{"bench", "cli-bench", "--module", kvPath},
		{"bench", "cli-bench", "--op", "query", "--consistency", "stale"},
		{"bench", "cli-bench", "--module", filepath.Join(t.TempDir(), "absent.wasm")},
	} {
		var res struct {
			Clients  float64 `json:"clients"`
			Requests float64 `json:"requests"`
			Errors   float64 `json:"errors"`
			P50      float64 `json:"p50_ms"`
		}
		out := mustSynod(t, addr, append(args, "--json", "--clients", "4", "--warmup", "0s", "--duration", "1s")...)
		if err := json.Unmarshal([]byte(out), &res); err != nil || res.Clients != 4 || res.Requests == 0 || res.Errors != 0 || res.P50 <= 0 {
			t.Fatalf("synod %v --json = %q (%v); want 4 clients' answered calls, their latency, and no errors", args, out, err)
		}
	}

	errorCases := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown shard", args: []string{"propose", "nope", "x"}, want: "not_found"},
		{name: "unknown command", args: []string{"shrd", "list"}, want: `unknown command "shrd" (did you mean shard?); see 'synod --help'`},
		{name: "missing argument", args: []string{"propose", "cli"}, want: "propose needs NAME DATA: missing DATA"},
		{name: "unknown module", args: []string{"module", "get", "0000"}, want: "no module's hash begins 0000 in namespace default"},
		{name: "nobody there", args: []string{"--addr", "http://" + testport.Addr(t), "status"}, want: "connection refused; set --addr or SYNOD_ADDR"},
		{name: "bad consistency", args: []string{"query", "cli", "{}", "--consistency", "eventual"}, want: "--consistency must be linearizable, stale or at-least-index"},
		{name: "application error", args: []string{"propose", "cli", `{"op":"cas","key":"a","expect":"9","value":"2"}`}, want: "module error 409"},
		{name: "bench of an unknown shard", args: []string{"bench", "nope", "--clients", "1", "--warmup", "0s", "--duration", "1s"}, want: "no call succeeded: not_found"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, ok := synod(t, addr, "", tt.args...)
			if ok {
				t.Fatalf("synod %v succeeded, want a failure", tt.args)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Fatalf("stderr %q does not contain %q", errOut, tt.want)
			}
		})
	}

	dev.stop(t)
	dev = startDev(t, dataDir, listen)
	if out := mustSynod(t, dev.addr, "query", "cli", `{"op":"get","key":"a"}`); strings.TrimSpace(out) != `{"key":"a","value":"1","found":true}` {
		t.Fatalf("after a restart, get a = %q", out)
	}
	dev.stop(t)
}

// TestCLIKeys drives keys and namespaces from the CLI against a synod dev
// process: synod dev saved its admin key for the CLI, a key made with a
// role works through SYNOD_TOKEN within that role only, and a revoked key
// stops working. The audit log names who did what, and no secret.
func TestCLIKeys(t *testing.T) {
	dataDir := t.TempDir()
	auditLog := filepath.Join(t.TempDir(), "audit.jsonl")
	dev := startSynod(t, nil, "serving on ", "dev", "--data-dir", dataDir, "--listen", testport.Addr(t), "--audit-log", auditLog)
	if out := mustSynod(t, dev.addr, "key", "whoami"); !strings.Contains(out, "cluster-admin") {
		t.Fatalf("key whoami with the saved dev key: %s", out)
	}
	var made struct {
		Key   struct{ ID string }
		Token string
	}
	out := mustSynod(t, dev.addr, "key", "create", "ci", "--role", "team=writer", "--json")
	if err := json.Unmarshal([]byte(out), &made); err != nil || made.Token == "" {
		t.Fatalf("key create: %v in %s", err, out)
	}
	kv := testwasm.Path(t, testwasm.KV)
	mustSynod(t, dev.addr, "shard", "create", "orders", "--module", kv, "--replicas", "1", "--namespace", "team")

	writer := []string{"SYNOD_ADDR=" + dev.addr, "SYNOD_TOKEN=" + made.Token, "SYNOD_NAMESPACE=team"}
	if _, errOut, ok := synodWith(t, writer, "", "propose", "orders", `{"op":"put","key":"a","value":"1"}`); !ok {
		t.Fatalf("writer propose: %s", errOut)
	}
	_, errOut, ok := synodWith(t, writer, "", "module", "upload", kv)
	if ok || !strings.Contains(errOut, "permission_denied") || !strings.Contains(errOut, "needs the admin role") {
		t.Errorf("writer upload: ok=%v, %s; want permission_denied naming the role", ok, errOut)
	}
	if strings.Contains(errOut, made.Token) {
		t.Errorf("an error repeats the token: %s", errOut)
	}
	if out, errOut, ok := synodWith(t, writer, "", "namespace", "get"); !ok || !strings.Contains(out, "1 of 100") {
		t.Errorf("namespace get: ok=%v, %s%s; want 1 of 100 shards", ok, out, errOut)
	}

	mustSynod(t, dev.addr, "key", "revoke", made.Key.ID)
	waitFor(t, 10*time.Second, func() bool {
		_, errOut, ok := synodWith(t, writer, "", "key", "whoami")
		return !ok && strings.Contains(errOut, "unauthenticated")
	})

	b, err := os.ReadFile(auditLog)
	if err != nil {
		t.Fatal(err)
	}
	audit := string(b)
	for _, want := range []string{
		`"procedure":"/synod.v1.KeyService/CreateKey"`, `"new_key":"` + made.Key.ID + `"`,
		`"procedure":"/synod.v1.KeyService/RevokeKey"`, `"procedure":"/synod.v1.ShardService/CreateShard"`,
		`"key":"` + made.Key.ID + `"`, `"outcome":"permission_denied"`, `"from":"127.0.0.1:`,
	} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit log lacks %s:\n%s", want, audit)
		}
	}
	admin, err := server.ReadToken(filepath.Join(dataDir, server.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{made.Token, admin.Secret} {
		if strings.Contains(audit, secret) || strings.Contains(dev.output(), secret) {
			t.Errorf("a secret is in the audit log or synod dev's output")
		}
	}
}
