// Package procs starts the server processes the benchmarks measure: a
// Synod cluster as users deploy it (synod host processes and a synod
// gateway process) and an etcd cluster, on loopback, with their data and
// logs in a directory of the caller's.
package procs

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Proc is a server process the comparison started, with its output in a
// log file beside its data.
type Proc struct {
	name string
	dir  string
	env  []string
	cmd  *exec.Cmd
	log  string
}

// PID returns the process's id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// start starts bin with args and env (added to this process's), its
// output going to dir/name.log.
func start(dir, name string, env []string, bin string, args ...string) (*Proc, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the comparison
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return &Proc{name: name, dir: dir, env: env, cmd: cmd, log: logPath}, nil
}

// Restart stops the process and starts it again with the same arguments,
// its output appended to a log of its own (name.2.log, ...).
func (p *Proc) Restart() error {
	p.Stop()
	for i := 2; ; i++ {
		name := fmt.Sprintf("%s.%d", p.name, i)
		if _, err := os.Stat(filepath.Join(p.dir, name+".log")); err == nil {
			continue
		}
		q, err := start(p.dir, name, p.env, p.cmd.Path, p.cmd.Args[1:]...)
		if err != nil {
			return err
		}
		p.cmd, p.log = q.cmd, q.log
		return nil
	}
}

// Stop ends the process and waits for it.
func (p *Proc) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// waitHTTP waits until GET url answers 200, or fails after timeout naming
// the log of the process that should answer.
func waitHTTP(ctx context.Context, url string, timeout time.Duration, p *Proc) error {
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if res, err := http.DefaultClient.Do(req); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %s within %v (its log: %s)", p.name, url, timeout, p.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
