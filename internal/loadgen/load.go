package loadgen

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// KVLoad is the shape of a key-value load that synod bench and etcdbench
// share, so that both sides of a comparison put and get the same keys and
// values: their common flags, and the keys and values they make.
type KVLoad struct {
	Clients  int
	Size     int // bytes of each value put
	Keys     int // distinct keys the calls spread over
	Duration time.Duration
	Warmup   time.Duration
}

// Bind defines the load's flags in fs: --clients, --size, --keys,
// --duration and --warmup.
func (l *KVLoad) Bind(fs *flag.FlagSet) {
	fs.IntVar(&l.Clients, "clients", 64, "`N` clients, each with one call outstanding")
	fs.IntVar(&l.Size, "size", 64, "`BYTES` of each value put")
	fs.IntVar(&l.Keys, "keys", 1000, "`N` keys the calls spread over")
	fs.DurationVar(&l.Duration, "duration", 10*time.Second, "how long to measure")
	fs.DurationVar(&l.Warmup, "warmup", 2*time.Second, "how long to run before measuring")
}

// Check says what is wrong with the flags' values, if anything.
func (l *KVLoad) Check() error {
	if l.Clients < 1 || l.Keys < 1 || l.Size < 0 || l.Duration <= 0 || l.Warmup < 0 {
		return fmt.Errorf("--clients and --keys must be at least 1, --size and --warmup not negative, and --duration positive")
	}
	return nil
}

// Key returns the key of a client's seq-th call: KeyAt(Index(client,
// seq)). Key(0, k) is the k-th key, for writing every key before a load
// of gets.
func (l *KVLoad) Key(client int, seq uint64) string { return l.KeyAt(l.Index(client, seq)) }

// Index returns the index, below Keys, of the key of a client's seq-th
// call, so that a generator can make each key's request once, before the
// load, rather than in every call.
func (l *KVLoad) Index(client int, seq uint64) int {
	return int((uint64(client)*7919 + seq) % uint64(l.Keys))
}

// KeyAt returns the i-th key.
func (l *KVLoad) KeyAt(i int) string { return fmt.Sprintf("bench-%d", i) }

// Value returns the value every put writes.
func (l *KVLoad) Value() string { return strings.Repeat("v", l.Size) }

// Config returns the run's configuration, with a progress line to w.
func (l *KVLoad) Config(progress io.Writer) Config {
	return Config{Clients: l.Clients, Warmup: l.Warmup, Duration: l.Duration, Progress: progress}
}
