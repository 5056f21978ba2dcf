package procs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
)

// Result is what a load generator (synod bench or etcdbench, with --json)
// measured: loadgen.Result, as numbers.
type Result struct {
	PerSecond float64 `json:"per_second"`
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	Errors    float64 `json:"errors"`
}

// Measure runs a load generator in a process of its own, with env added
// to this process's environment, and reads its result.
func Measure(ctx context.Context, env []string, bin string, args ...string) (Result, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("%s: %w", bin, err)
	}
	var r Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return Result{}, fmt.Errorf("%s printed %q: %w", bin, out.Bytes(), err)
	}
	return r, nil
}
