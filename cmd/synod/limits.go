package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/synodhq/synod/internal/server"
)

// limitsFlags adds the flags of what each HTTP listener of a server
// command lets its clients hold, with the defaults of [server.Limits].
func limitsFlags(fs *flag.FlagSet) *server.Limits {
	def := server.Limits{}.WithDefaults()
	l := &server.Limits{}
	fs.IntVar(&l.MaxConns, "max-conns", 0, "connections each listener holds at once; more wait in the kernel's accept queue (0: an eighth of the file-descriptor limit, at most 10000)")
	fs.DurationVar(&l.ReadHeaderTimeout, "read-header-timeout", def.ReadHeaderTimeout, "time a client has to send a request's headers, and a new connection its first request")
	fs.DurationVar(&l.ReadTimeout, "read-timeout", def.ReadTimeout, "time a client has to send a whole request, body included")
	fs.DurationVar(&l.IdleTimeout, "idle-timeout", def.IdleTimeout, "time a keep-alive connection may stay without a request")
	l.MaxRequestBytes = def.MaxRequestBytes
	fs.Var((*byteSize)(&l.MaxRequestBytes), "max-request-bytes", "largest request message, compressed or not: a `SIZE` such as 20MiB; the body of a larger one is not read")
	fs.IntVar(&l.CallsPerKey, "calls-per-key", 0, "calls a second the gateway admits from each API key (0: no limit per key; namespaces' quotas still apply)")
	return l
}

// guestFlags adds the flags of what guests may spend on a host: the
// watchdog, the budgets of guest memory and instances, and each shard's
// fuel rate (see host.Config).
func guestFlags(fs *flag.FlagSet, watchdog *time.Duration, memory *uint64, instances *int, shardFuelRate *uint64) {
	fs.DurationVar(watchdog, "watchdog", 30*time.Second, "how long a guest call may run by the wall clock before its replica halts and replays it later; fuel bounds calls far below it on a sound machine")
	fs.Var((*uint64Size)(memory), "guest-memory", "guest memory a host keeps: a `SIZE` such as 4GiB; idle instances beyond it are closed, least recently used first (default 4GiB)")
	fs.IntVar(instances, "max-instances", 0, "guest instances a host keeps, idle and busy; queries beyond it wait (0: 64)")
	fs.Uint64Var(shardFuelRate, "shard-fuel-rate", 0, "`FUEL` a second each shard's calls may burn on a host; calls beyond it wait their turn, or fail at once if they would wait past their deadline (0: 300000000, some 15,000 kv puts a second)")
}

// uint64Size is a [byteSize] flag value of a uint64.
type uint64Size uint64

func (u *uint64Size) String() string { b := byteSize(*u); return b.String() }

func (u *uint64Size) Set(s string) error {
	var b byteSize
	if err := b.Set(s); err != nil {
		return err
	}
	*u = uint64Size(b)
	return nil
}

// byteSize is a flag value of bytes: a number, optionally followed by KiB,
// MiB or GiB.
type byteSize int64

var byteUnits = []struct {
	suffix string
	shift  uint
}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

func (b *byteSize) String() string {
	for _, u := range byteUnits {
		if n := int64(*b); n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return "0"
}

func (b *byteSize) Set(s string) error {
	num, shift := s, uint(0)
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n <= 0 || n > 1<<40>>shift {
		return fmt.Errorf("%q is not a positive size in bytes (e.g. 1048576 or 20MiB)", s)
	}
	*b = byteSize(n << shift)
	return nil
}
