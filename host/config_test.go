package host

import (
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	base := Config{ID: 1, DataDir: "/data", RaftAddr: "127.0.0.1:7001", MetaMembers: map[uint64]string{1: "127.0.0.1:7001"}}
	for _, tt := range []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"no Raft TLS", func(*Config) {}, ""},
		{"all three Raft TLS files", func(c *Config) {
			c.RaftTLS = TLSFiles{CAFile: "ca.pem", CertFile: "host.pem", KeyFile: "host.key"}
		}, ""},
		{"no Raft TLS key", func(c *Config) { c.RaftTLS = TLSFiles{CAFile: "ca.pem", CertFile: "host.pem"} }, "RaftTLS"},
		{"only a Raft CA", func(c *Config) { c.RaftTLS = TLSFiles{CAFile: "ca.pem"} }, "RaftTLS"},
		{"one instance", func(c *Config) { c.MaxInstances = 1 }, ""},
		{"a negative instance cap", func(c *Config) { c.MaxInstances = -1 }, "MaxInstances"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := base
			tt.change(&cfg)
			err := cfg.Validate()
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate: %v, want an error naming %q", err, tt.wantErr)
			}
		})
	}
}
