package dev

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// PortRange is a range of TCP ports, From to To inclusive; the zero value
// means any free port. Its String and Set methods make it a flag.Value of
// the form FROM-TO.
type PortRange struct {
	From, To int
}

// IsZero reports whether r is unset.
func (r PortRange) IsZero() bool { return r == PortRange{} }

// String returns r as FROM-TO, or "" if unset.
func (r PortRange) String() string {
	if r.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d-%d", r.From, r.To)
}

// Set parses FROM-TO, or a single port.
func (r *PortRange) Set(s string) error {
	from, to, isRange := strings.Cut(s, "-")
	if !isRange {
		to = from
	}
	f, errFrom := strconv.Atoi(strings.TrimSpace(from))
	t, errTo := strconv.Atoi(strings.TrimSpace(to))
	if errFrom != nil || errTo != nil {
		return fmt.Errorf("%q is not a port range FROM-TO, such as 9000-9010", s)
	}
	got := PortRange{From: f, To: t}
	if err := got.validate(1); err != nil {
		return err
	}
	*r = got
	return nil
}

// validate checks that r, if set, is a range of valid ports that holds at
// least n.
func (r PortRange) validate(n int) error {
	switch {
	case r.IsZero():
		return nil
	case r.From < 1 || r.To > 65535 || r.From > r.To:
		return fmt.Errorf("%d-%d is not a range of ports from 1 to 65535, the lower first", r.From, r.To)
	case r.To-r.From+1 < n:
		return fmt.Errorf("%s holds %d port(s); %d hosts need %d", r, r.To-r.From+1, n, n)
	}
	return nil
}

func (r PortRange) contains(port int) bool { return r.From <= port && port <= r.To }

// free returns n distinct ports of r (any ports if r is unset) that are
// free on loopback, holding each open until all are found so that none is
// handed out twice.
func (r PortRange) free(n int) ([]int, error) {
	var held []net.Listener
	defer func() {
		for _, ln := range held {
			ln.Close()
		}
	}()
	if r.IsZero() {
		for range n {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return nil, fmt.Errorf("find a free port: %w", err)
			}
			held = append(held, ln)
		}
	}
	for port := r.From; !r.IsZero() && port <= r.To && len(held) < n; port++ {
		if ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			held = append(held, ln)
		}
	}
	if len(held) < n {
		return nil, fmt.Errorf("Raft ports %s: %d free on 127.0.0.1, and %d hosts need %d", r, len(held), n, n)
	}
	ports := make([]int, n)
	for i, ln := range held {
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}
