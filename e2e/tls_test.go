package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/internal/server"
	"github.com/synodhq/synod/internal/testport"
	"github.com/synodhq/synod/internal/testtime"
)

// TestTLSProcesses makes a development CA with `synod certs`, and runs a
// host that bootstraps (serving the public API too), a host that joins it
// and a gateway, as processes with cluster certificates and HTTPS, and a
// synod dev with HTTPS; the client reaches every public API with --tls-ca.
func TestTLSProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	mustSynod(t, "", "certs", "init", "--dir", dir)
	for _, name := range []string{"h1", "h2", "gw", "public"} {
		mustSynod(t, "", "certs", "issue", "--dir", dir, "--name", name, "--hosts", "localhost,127.0.0.1")
	}
	cluster := func(name string) []string {
		return []string{"--cluster-ca", filepath.Join(dir, "ca.crt"),
			"--cluster-cert", filepath.Join(dir, name+".crt"), "--cluster-key", filepath.Join(dir, name+".key")}
	}
	public := []string{"--tls-cert", filepath.Join(dir, "public.crt"), "--tls-key", filepath.Join(dir, "public.key")}
	data := t.TempDir()

	h1API := testport.Addr(t)
	h1 := startSynod(t, nil, "serving on ", append(append([]string{"host", "--name", "h1",
		"--data-dir", filepath.Join(data, "h1"), "--listen", h1API, "--initial-cluster", "h1=" + testport.Addr(t),
		"--gateway-listen", testport.Addr(t)}, cluster("h1")...), public...)...)
	// The second host takes its cluster files from the environment.
	h2Env := []string{"SYNOD_CLUSTER_CA=" + filepath.Join(dir, "ca.crt"),
		"SYNOD_CLUSTER_CERT=" + filepath.Join(dir, "h2.crt"), "SYNOD_CLUSTER_KEY=" + filepath.Join(dir, "h2.key")}
	h2 := startSynod(t, h2Env, "internal API on ", "host", "--name", "h2", "--data-dir", filepath.Join(data, "h2"),
		"--listen", testport.Addr(t), "--raft-addr", testport.Addr(t), "--join", "https://"+h1API)
	gw := startSynod(t, nil, "serving on ", append(append([]string{"gateway", "--listen", testport.Addr(t),
		"--hosts", "https://" + h1API}, cluster("gw")...), public...)...)
	for _, p := range []*devProcess{h1, h2, gw} {
		if !strings.HasPrefix(p.addr, "https://") {
			t.Fatalf("a process prints %s, want an https:// URL", p.addr)
		}
	}

	ca := "--tls-ca=" + filepath.Join(dir, "ca.crt")
	var token access.Token
	waitFor(t, 60*time.Second, func() bool {
		var err error
		token, err = server.ReadToken(filepath.Join(data, "h1", server.AdminTokenFile))
		return err == nil
	})
	for _, addr := range []string{gw.addr, h1.addr} {
		waitFor(t, 60*time.Second, func() bool {
			_, _, ok := synod(t, addr, token.String()+"\n", "login", ca)
			return ok
		})
		waitFor(t, 60*time.Second, func() bool {
			out, _, ok := synod(t, addr, "", "status", "--json", ca)
			var st struct {
				Hosts []struct {
					Alive     bool `json:"alive"`
					Reachable bool `json:"reachable"`
				} `json:"hosts"`
			}
			up := 0
			if ok && json.Unmarshal([]byte(out), &st) == nil {
				for _, h := range st.Hosts {
					if h.Alive && h.Reachable {
						up++
					}
				}
			}
			return up == 2
		})
	}
	if _, errOut, ok := synod(t, gw.addr, "", "status"); ok || !strings.Contains(errOut, "certificate") {
		t.Fatalf("status without --tls-ca: ok=%v, %s; want a certificate error", ok, errOut)
	}

	// synod dev serves HTTPS with the same flags.
	dev := startSynod(t, nil, "serving on ", append([]string{"dev", "--hosts", "1", "--data-dir", filepath.Join(data, "dev"),
		"--listen", testport.Addr(t)}, public...)...)
	if !strings.HasPrefix(dev.addr, "https://") {
		t.Fatalf("synod dev prints %s, want an https:// URL", dev.addr)
	}
	mustSynod(t, dev.addr, "status", ca)
}

// runUntil runs synod until it prints marker on stdout (then leaves it
// running until the test ends) or exits, and returns its stderr so far and
// whether it printed marker.
func runUntil(t *testing.T, marker string, args ...string) (stderr string, started bool) {
	t.Helper()
	cmd := exec.Command(synodBinary(t), args...)
	var mu sync.Mutex
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &lockedWriter{&mu, &out}, &lockedWriter{&mu, &errb}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	deadline := time.After(testtime.Scaled(60 * time.Second))
	for {
		mu.Lock()
		started, stderr = strings.Contains(out.String(), marker), errb.String()
		mu.Unlock()
		if started {
			return stderr, true
		}
		select {
		case <-exited:
			mu.Lock()
			defer mu.Unlock()
			return errb.String(), strings.Contains(out.String(), marker)
		case <-deadline:
			t.Fatalf("synod %s neither served nor exited within %v", args[0], testtime.Scaled(60*time.Second))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestCleartextOnlyOnLoopback checks that servers refuse cleartext
// listeners other processes could reach, saying which flags to add; that
// --insecure allows them; and that on loopback they start with one
// warning line.
func TestCleartextOnlyOnLoopback(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	tests := []struct {
		name        string
		args        []string
		wantStart   bool
		wantStderr  string
		wantWarning bool
	}{
		{name: "gateway on all interfaces", args: []string{"gateway", "--listen", "0.0.0.0:0", "--hosts", "http://127.0.0.1:1"},
			wantStderr: "--listen 0.0.0.0:0 would be reachable from other machines: add --tls-cert and --tls-key, or --insecure"},
		{name: "host on all interfaces", args: []string{"host", "--name", "h1", "--data-dir", filepath.Join(data, "h1"),
			"--listen", "0.0.0.0:0", "--initial-cluster", "h1=127.0.0.1:1"},
			wantStderr: "add --cluster-ca, --cluster-cert and --cluster-key"},
		{name: "host with Raft on all interfaces", args: []string{"host", "--name", "h1", "--data-dir", filepath.Join(data, "h1"),
			"--listen", "127.0.0.1:0", "--initial-cluster", "h1=0.0.0.0:1"},
			wantStderr: "--raft-addr 0.0.0.0:1 would be reachable"},
		{name: "dev on all interfaces", args: []string{"dev", "--data-dir", filepath.Join(data, "dev"), "--listen", "0.0.0.0:0"},
			wantStderr: "add --tls-cert and --tls-key"},
		{name: "gateway on all interfaces, insecure", args: []string{"gateway", "--listen", "0.0.0.0:0", "--hosts", "http://127.0.0.1:1", "--insecure"},
			wantStart: true, wantStderr: "(allowed by --insecure)", wantWarning: true},
		{name: "gateway on loopback", args: []string{"gateway", "--listen", "127.0.0.1:0", "--hosts", "http://127.0.0.1:1"},
			wantStart: true, wantStderr: "is not encrypted (on loopback only)", wantWarning: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stderr, started := runUntil(t, "serving on ", tt.args...)
			if started != tt.wantStart || !strings.Contains(stderr, tt.wantStderr) {
				t.Fatalf("started %v, stderr %q; want started %v and %q", started, stderr, tt.wantStart, tt.wantStderr)
			}
			if n := strings.Count(stderr, "warning:"); tt.wantWarning && n != 1 {
				t.Errorf("%d warning lines, want 1: %q", n, stderr)
			}
		})
	}
}
