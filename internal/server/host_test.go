package server

import (
	"strings"
	"testing"

	"github.com/synodhq/synod/host"
)

func TestAdvertised(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, asked, bound, want, wantErr string
	}{
		{name: "bound address", bound: "10.0.0.1:7171", want: "10.0.0.1:7171"},
		{name: "asked wins", asked: "h1.example:7171", bound: "0.0.0.0:7171", want: "h1.example:7171"},
		{name: "unspecified IPv4", bound: "0.0.0.0:7171", wantErr: "set --advertise"},
		{name: "unspecified IPv6", bound: "[::]:7171", wantErr: "set --advertise"},
		{name: "no host", asked: ":7171", wantErr: "set --advertise"},
		{name: "malformed", asked: "nope", wantErr: `--advertise "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := advertised(tt.asked, tt.bound)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("advertised(%q, %q) = %q, %v; want an error containing %q", tt.asked, tt.bound, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("advertised(%q, %q) = %q, %v; want %q", tt.asked, tt.bound, got, err, tt.want)
			}
		})
	}
}

func TestParseInitialCluster(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, wantErr string
		want              int
	}{
		{name: "three members", in: "a=h:1,b=h:2,c=h:3", want: 3},
		{name: "spaces", in: " a=h:1 , b=h:2", want: 2},
		{name: "missing address", in: "a=h:1,b", wantErr: `"b" is not NAME=RAFTADDR`},
		{name: "bad address", in: "a=nope", wantErr: `raft address "nope"`},
		{name: "duplicate", in: "a=h:1,a=h:2", wantErr: "member a appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseInitialCluster(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseInitialCluster(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("ParseInitialCluster(%q) = %v, %v; want %d members", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestHostConfigValidate(t *testing.T) {
	t.Parallel()
	initial := []Member{{Name: "h1", RaftAddr: "10.0.0.1:7301"}, {Name: "h2", RaftAddr: "10.0.0.2:7301"}}
	base := HostConfig{Name: "h1", DataDir: "/d", Listen: "127.0.0.1:7171"}
	tests := []struct {
		name    string
		edit    func(*HostConfig)
		wantErr string
	}{
		{name: "bootstrap", edit: func(c *HostConfig) { c.InitialCluster = initial }},
		{name: "bootstrap with its own raft address", edit: func(c *HostConfig) { c.InitialCluster, c.RaftAddr = initial, "10.0.0.1:7301" }},
		{name: "join", edit: func(c *HostConfig) { c.Join, c.RaftAddr = []string{"http://10.0.0.2:7171"}, "10.0.0.3:7301" }},
		{name: "neither", edit: func(*HostConfig) {}, wantErr: "--initial-cluster (to bootstrap a cluster) or --join"},
		{name: "both", edit: func(c *HostConfig) { c.InitialCluster, c.Join = initial, []string{"http://x:1"} }, wantErr: "not both"},
		{name: "join without a raft address", edit: func(c *HostConfig) { c.Join = []string{"http://x:1"} }, wantErr: "--raft-addr"},
		{name: "bad raft address", edit: func(c *HostConfig) { c.Join, c.RaftAddr = []string{"http://x:1"}, "nope" }, wantErr: `--raft-addr "nope"`},
		{name: "not in the initial cluster", edit: func(c *HostConfig) { c.InitialCluster, c.Name = initial, "h9" }, wantErr: "not a member"},
		{name: "raft address differs", edit: func(c *HostConfig) { c.InitialCluster, c.RaftAddr = initial, "10.0.0.9:7301" }, wantErr: "differs"},
		{name: "no name", edit: func(c *HostConfig) { c.InitialCluster, c.Name = initial, "" }, wantErr: "--name"},
		{name: "half a public certificate", edit: func(c *HostConfig) {
			c.InitialCluster, c.GatewayListen, c.GatewayTLS = initial, "x:1", CertFiles{CertFile: "c.pem"}
		}, wantErr: "--tls-cert and --tls-key go together"},
		{name: "public certificate without a gateway", edit: func(c *HostConfig) {
			c.InitialCluster, c.GatewayTLS = initial, CertFiles{CertFile: "c.pem", KeyFile: "k.pem"}
		}, wantErr: "need --gateway-listen"},
		{name: "part of the cluster credentials", edit: func(c *HostConfig) {
			c.InitialCluster, c.ClusterTLS = initial, host.TLSFiles{CertFile: "c.pem", KeyFile: "k.pem"}
		}, wantErr: "--cluster-ca, --cluster-cert and --cluster-key go together"},
		{name: "join over http with cluster credentials", edit: func(c *HostConfig) {
			c.Join, c.RaftAddr, c.ClusterTLS = []string{"http://x:1"}, "10.0.0.3:7301", host.TLSFiles{CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "k.pem"}
		}, wantErr: "internal API URLs are https://"},
		{name: "join over https with cluster credentials", edit: func(c *HostConfig) {
			c.Join, c.RaftAddr, c.ClusterTLS = []string{"https://x:1"}, "10.0.0.3:7301", host.TLSFiles{CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "k.pem"}
		}},
		{name: "join over https without cluster credentials", edit: func(c *HostConfig) {
			c.Join, c.RaftAddr = []string{"https://x:1"}, "10.0.0.3:7301"
		}, wantErr: "internal API URLs are http://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := base
			tt.edit(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestIdentityIsKept(t *testing.T) {
	t.Parallel()
	initial := []Member{{Name: "h1", RaftAddr: "10.0.0.1:7301"}, {Name: "h2", RaftAddr: "10.0.0.2:7301"}}
	cfg := HostConfig{Name: "h2", DataDir: t.TempDir(), Listen: "x:1", InitialCluster: initial}
	id, err := establishIdentity(t.Context(), cfg, "x:1", APIClient)
	if err != nil || id.ID != 2 || id.RaftAddr != "10.0.0.2:7301" || id.Joined {
		t.Fatalf("first start: identity %+v, %v; want id 2 at 10.0.0.2:7301, bootstrapped", id, err)
	}
	// Later starts keep it, even with other flags.
	cfg.InitialCluster = []Member{initial[1], initial[0]}
	if again, err := establishIdentity(t.Context(), cfg, "x:1", APIClient); err != nil || again != id {
		t.Fatalf("restart: identity %+v, %v; want %+v", again, err, id)
	}
	cfg.Name = "h1"
	if _, err := establishIdentity(t.Context(), cfg, "x:1", APIClient); err == nil || !strings.Contains(err.Error(), "belongs to host h2") {
		t.Fatalf("another host's data dir: got %v, want a refusal", err)
	}
}
