package server

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// ErrCleartext is returned when a listener on an address other processes
// can reach (not loopback) would carry cleartext, and the configuration
// does not say Insecure.
var ErrCleartext = errors.New("cleartext on a non-loopback address")

// Listener is one address a process serves on, for [CheckExposure].
type Listener struct {
	// Flag names the setting of the address, e.g. "--listen".
	Flag string
	// Addr is the address, HOST:PORT.
	Addr string
	// Encrypted is set when the listener speaks TLS.
	Encrypted bool
	// Fix names the flags that would encrypt it.
	Fix string
}

// CheckExposure refuses, with [ErrCleartext], a cleartext listener on an
// address that is not loopback unless insecure is set; a host name other
// than localhost counts as not loopback. Otherwise it returns a one-line
// warning naming the cleartext listeners, or "" if there are none.
func CheckExposure(insecure bool, ls ...Listener) (warning string, err error) {
	var clear []string
	for _, l := range ls {
		if l.Addr == "" || l.Encrypted {
			continue
		}
		if !insecure && !IsLoopback(l.Addr) {
			return "", fmt.Errorf("%w: %s %s would be reachable from other machines: add %s, or --insecure to allow it",
				ErrCleartext, l.Flag, l.Addr, l.Fix)
		}
		clear = append(clear, l.Flag+" "+l.Addr)
	}
	if len(clear) == 0 {
		return "", nil
	}
	why := "on loopback only"
	if insecure {
		why = "allowed by --insecure"
	}
	return fmt.Sprintf("traffic on %s is not encrypted (%s)", strings.Join(clear, ", "), why), nil
}

// IsLoopback reports whether addr's host is localhost or a loopback IP.
func IsLoopback(addr string) bool {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
