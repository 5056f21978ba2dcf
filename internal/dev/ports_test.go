package dev

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestPortRangeSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    PortRange
		wantErr string
	}{
		{name: "range", in: "9000-9010", want: PortRange{9000, 9010}},
		{name: "one port", in: "9000", want: PortRange{9000, 9000}},
		{name: "spaces", in: " 9000 - 9001 ", want: PortRange{9000, 9001}},
		{name: "not a number", in: "a-b", wantErr: "not a port range FROM-TO"},
		{name: "backwards", in: "9010-9000", wantErr: "the lower first"},
		{name: "port zero", in: "0-10", wantErr: "from 1 to 65535"},
		{name: "too high", in: "65000-70000", wantErr: "from 1 to 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got PortRange
			err := got.Set(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Set(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Set(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			var again PortRange
			if err := again.Set(got.String()); err != nil || again != got {
				t.Errorf("Set(%q), String() = %q, which sets %+v, %v", tt.in, got.String(), again, err)
			}
		})
	}
}

func TestConfigValidateRaftPorts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "unset", cfg: Config{DataDir: "d"}},
		{name: "enough for the default 3 hosts", cfg: Config{DataDir: "d", RaftPorts: PortRange{9000, 9002}}},
		{name: "too few for the default 3 hosts", cfg: Config{DataDir: "d", RaftPorts: PortRange{9000, 9001}}, wantErr: "RaftPorts: 9000-9001 holds 2 port(s); 3 hosts need 3"},
		{name: "too few for 5 hosts", cfg: Config{DataDir: "d", Hosts: 5, RaftPorts: PortRange{9000, 9003}}, wantErr: "5 hosts need 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestLayoutRaftPorts checks that a new dev cluster takes its Raft ports
// from the range, skipping one in use, and that a restart keeps them but
// refuses a range they lie outside.
func TestLayoutRaftPorts(t *testing.T) {
	t.Parallel()
	r := freeRange(t, 6)
	busy, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(r.From)))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	dir := t.TempDir()
	lay, err := loadLayout(dir, 3, r, PortRange.free)
	if err != nil {
		t.Fatalf("loadLayout: %v", err)
	}
	want := []int{r.From + 1, r.From + 2, r.From + 3}
	for i, h := range lay.Hosts {
		if h.RaftAddr != "127.0.0.1:"+strconv.Itoa(want[i]) {
			t.Errorf("host %d has Raft address %s, want port %d (the range's first is in use)", i, h.RaftAddr, want[i])
		}
	}
	if again, err := loadLayout(dir, 3, r, PortRange.free); err != nil || again.Hosts[2].RaftAddr != lay.Hosts[2].RaftAddr {
		t.Errorf("a restart in the same range: %v, %+v", err, again)
	}
	if _, err := loadLayout(dir, 3, PortRange{}, PortRange.free); err != nil {
		t.Errorf("a restart without a range: %v", err)
	}
	other := PortRange{r.To + 1, r.To + 10}
	if _, err := loadLayout(dir, 3, other, PortRange.free); err == nil || !strings.Contains(err.Error(), "outside Raft ports "+other.String()) {
		t.Errorf("a restart in another range: %v, want it refused", err)
	}
	if _, err := loadLayout(t.TempDir(), 3, PortRange{r.From, r.From + 2}, PortRange.free); err == nil || !strings.Contains(err.Error(), "2 free on 127.0.0.1, and 3 hosts need 3") {
		t.Errorf("a range with too few free ports: %v, want it refused", err)
	}
}

// freeRange returns a range of n ports that were free a moment ago: it
// asks the kernel for a free port and checks those after it.
func freeRange(t *testing.T, n int) PortRange {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		from := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		r := PortRange{from, from + n - 1}
		if r.To > 65535 {
			continue
		}
		if ports, err := r.free(n); err == nil && len(ports) == n {
			return r
		}
	}
	t.Fatalf("found no %d free ports in a row", n)
	return PortRange{}
}
