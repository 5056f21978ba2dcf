// Package testport hands out loopback addresses for the servers that tests
// and benchmarks start as separate processes, which bind them later.
//
// A port found free by listening on port 0 and closing is the kernel's
// choice from its ephemeral range, the range it also picks from for every
// outgoing connection, and the next such listen may return it again: two
// servers of one test can be handed the same port, or a connection made in
// the meantime can take it. testport hands out ports from below the
// ephemeral range, which the kernel never picks, and never the same port
// twice in one process. Processes start their search at different places,
// so that test binaries run side by side rarely try the same ports.
package testport

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
)

// lowest is the lowest port handed out, above those that well-known
// services tend to use.
const lowest = 10000

// defaultEphemeral is the first port of Linux's default ephemeral range,
// assumed where the kernel does not say, or leaves no room below it.
const defaultEphemeral = 32768

var (
	mu   sync.Mutex
	next int // the next port to try; 0 until first used
)

// Addr returns a loopback address whose port is free, has not been handed
// out before in this process, and is not one the kernel picks for outgoing
// connections.
func Addr(tb testing.TB) string {
	tb.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(Block(tb, 1)))
}

// Block returns the first of n consecutive free ports, handed out as Addr
// hands out one.
func Block(tb testing.TB, n int) int {
	tb.Helper()
	from, err := take(n)
	if err != nil {
		tb.Fatal(err)
	}
	return from
}

// Addrs returns n loopback addresses as Addr returns each, for code that
// has no testing.TB.
func Addrs(n int) ([]string, error) {
	addrs := make([]string, n)
	for i := range addrs {
		port, err := take(1)
		if err != nil {
			return nil, err
		}
		addrs[i] = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}
	return addrs, nil
}

// take finds n consecutive ports below the ephemeral range that are free
// on loopback, moves past them and returns the first.
func take(n int) (int, error) {
	mu.Lock()
	defer mu.Unlock()
	highest := ephemeralStart() - 1
	size := highest - lowest + 1
	if n < 1 || size < n {
		return 0, fmt.Errorf("testport: %d consecutive ports wanted, and %d-%d holds %d", n, lowest, highest, size)
	}
	if next == 0 {
		next = lowest + os.Getpid()*7919%size
	}
	for tried := 0; tried < size; {
		if next+n-1 > highest {
			tried += highest - next + 1
			next = lowest
			continue
		}
		free := freeFrom(next, n)
		if free == n {
			from := next
			next += n
			return from, nil
		}
		next += free + 1
		tried += free + 1
	}
	return 0, fmt.Errorf("testport: no %d consecutive free ports in %d-%d", n, lowest, highest)
}

// freeFrom returns how many of the n ports from port on are free on
// loopback before the first that is taken (n if none is).
func freeFrom(port, n int) int {
	for i := range n {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+i)))
		if err != nil {
			return i
		}
		ln.Close()
	}
	return n
}

// ephemeralStart returns the first port of the kernel's ephemeral range.
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return defaultEphemeral
	}
	var from, to int
	if _, err := fmt.Sscan(string(b), &from, &to); err != nil || from <= lowest {
		return defaultEphemeral
	}
	return from
}
