package procs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Result is what a load generator (synod bench or etcdbench, with --json)
// measured: loadgen.Result, as numbers, and the CPU time the generator
// and the servers used while it ran.
type Result struct {
	PerSecond float64 `json:"per_second"`
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	Errors    float64 `json:"errors"`
	// Answered counts the requests answered in the whole run, warm-up
	// included.
	Answered float64 `json:"answered"`

	// GeneratorCPU is the CPU time of the generator's process, and
	// ServerCPU the servers' processes' over the generator's run;
	// ServerCPUs is each server process's, in the order Measure was
	// given them.
	GeneratorCPU, ServerCPU time.Duration   `json:"-"`
	ServerCPUs              []time.Duration `json:"-"`
}

// CPUPerRequest returns the servers' and the generator's CPU time per
// request answered in the run, in microseconds.
func (r Result) CPUPerRequest() (servers, generator float64) {
	return r.PerRequest(r.ServerCPU), r.PerRequest(r.GeneratorCPU)
}

// PerRequest returns d, a CPU time of the run, per request answered in
// it, in microseconds.
func (r Result) PerRequest(d time.Duration) float64 {
	if r.Answered == 0 {
		return 0
	}
	return float64(d.Microseconds()) / r.Answered
}

// Measure runs a load generator in a process of its own, with env added
// to this process's environment, and reads its result; it counts the CPU
// time servers use while it runs.
func Measure(ctx context.Context, servers []*Proc, env []string, bin string, args ...string) (Result, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	before, err := cpuTimes(servers)
	if err != nil {
		return Result{}, err
	}
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("%s: %w", bin, err)
	}
	after, err := cpuTimes(servers)
	if err != nil {
		return Result{}, err
	}
	var r Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return Result{}, fmt.Errorf("%s printed %q: %w", bin, out.Bytes(), err)
	}
	r.GeneratorCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	for i := range servers {
		used := after[i] - before[i]
		r.ServerCPUs = append(r.ServerCPUs, used)
		r.ServerCPU += used
	}
	return r, nil
}

// cpuTimes returns the CPU time each process has used.
func cpuTimes(ps []*Proc) ([]time.Duration, error) {
	ts := make([]time.Duration, len(ps))
	for i, p := range ps {
		t, err := p.CPUTime()
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	return ts, nil
}

// CPUTime returns the CPU time (user and system) the process has used,
// from /proc.
func (p *Proc) CPUTime() (time.Duration, error) {
	pid := p.PID()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command's name, which is in parentheses and may
	// hold spaces: utime and stime are the 12th and 13th.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	const ticksPerSecond = 100 // USER_HZ, 100 on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond, nil
}
