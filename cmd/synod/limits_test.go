package main

import (
	"flag"
	"io"
	"testing"
	"time"

	"github.com/synodhq/synod/internal/server"
)

func TestLimitsFlags(t *testing.T) {
	def := server.Limits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxRequestBytes: 20 << 20}
	with := func(f func(*server.Limits)) server.Limits { l := def; f(&l); return l }
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    server.Limits
		wantErr bool
	}{
		{name: "defaults", want: def},
		{name: "flags", args: []string{"--max-conns", "100", "--read-timeout", "30s", "--max-request-bytes", "4MiB"},
			want: with(func(l *server.Limits) { l.MaxConns, l.ReadTimeout, l.MaxRequestBytes = 100, 30*time.Second, 4<<20 })},
		{name: "environment", env: map[string]string{"SYNOD_IDLE_TIMEOUT": "5s", "SYNOD_MAX_REQUEST_BYTES": "1048576"},
			want: with(func(l *server.Limits) { l.IdleTimeout, l.MaxRequestBytes = 5*time.Second, 1<<20 })},
		{name: "bytes in KiB", args: []string{"--max-request-bytes", "512KiB"},
			want: with(func(l *server.Limits) { l.MaxRequestBytes = 512 << 10 })},
		{name: "not a size", args: []string{"--max-request-bytes", "lots"}, wantErr: true},
		{name: "zero size", args: []string{"--max-request-bytes", "0"}, wantErr: true},
		{name: "unknown unit", args: []string{"--max-request-bytes", "2TB"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			l := limitsFlags(fs)
			_, _, err := parseFlags(fs, tt.args)
			if err == nil {
				err = fillUnsetFlags(fs, "")
			}
			switch {
			case tt.wantErr && err == nil:
				t.Fatalf("no error; limits %+v", *l)
			case tt.wantErr:
				return
			case err != nil:
				t.Fatal(err)
			case *l != tt.want:
				t.Errorf("limits %+v, want %+v", *l, tt.want)
			}
		})
	}
}
