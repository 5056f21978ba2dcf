package host

import (
	"strings"
	"testing"
)

func TestConfigValidateRaftTLS(t *testing.T) {
	t.Parallel()
	base := Config{ID: 1, DataDir: "/data", RaftAddr: "127.0.0.1:7001", MetaMembers: map[uint64]string{1: "127.0.0.1:7001"}}
	for _, tt := range []struct {
		name    string
		tls     TLSFiles
		wantErr string
	}{
		{"none", TLSFiles{}, ""},
		{"all three", TLSFiles{CAFile: "ca.pem", CertFile: "host.pem", KeyFile: "host.key"}, ""},
		{"no key", TLSFiles{CAFile: "ca.pem", CertFile: "host.pem"}, "RaftTLS"},
		{"only a CA", TLSFiles{CAFile: "ca.pem"}, "RaftTLS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := base
			cfg.RaftTLS = tt.tls
			err := cfg.Validate()
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate: %v, want an error naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigValidateGuestBudget(t *testing.T) {
	t.Parallel()
	base := Config{ID: 1, DataDir: "/data", RaftAddr: "127.0.0.1:7001", MetaMembers: map[uint64]string{1: "127.0.0.1:7001"}}
	for _, tt := range []struct {
		name         string
		maxInstances int
		wantErr      string
	}{
		{"default", 0, ""},
		{"one", 1, ""},
		{"negative", -1, "MaxInstances"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := base
			cfg.MaxInstances = tt.maxInstances
			err := cfg.Validate()
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate: %v, want an error naming %q", err, tt.wantErr)
			}
		})
	}
}
