package server

import (
	"strings"
	"testing"
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
