package loadgen

import (
	"flag"
	"testing"
)

func TestKVLoad(t *testing.T) {
	t.Parallel()
	var l KVLoad
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	l.Bind(fs)
	if err := fs.Parse([]string{"--clients", "3", "--keys", "10", "--size", "5", "--duration", "2s", "--warmup", "0s"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
	if l.Value() != "vvvvv" {
		t.Errorf("Value() = %q, want 5 bytes", l.Value())
	}
	// Key(0, k) names every key once, for writing them all before gets;
	// every client's keys stay among them.
	seen := map[string]bool{}
	for k := range uint64(10) {
		seen[l.Key(0, k)] = true
	}
	if len(seen) != 10 || !seen["bench-0"] || !seen["bench-9"] {
		t.Errorf("Key(0, 0..9) = %v, want bench-0 to bench-9", seen)
	}
	for c := range 3 {
		for seq := range uint64(25) {
			if !seen[l.Key(c, seq)] {
				t.Errorf("Key(%d, %d) = %s, outside the keys", c, seq, l.Key(c, seq))
			}
		}
	}
	if c := l.Config(nil); c.Clients != 3 || c.Duration.Seconds() != 2 || c.Warmup != 0 {
		t.Errorf("Config() = %+v", c)
	}
	for _, bad := range []KVLoad{{Clients: 0, Keys: 1, Duration: 1}, {Clients: 1, Keys: 0, Duration: 1}, {Clients: 1, Keys: 1, Size: -1, Duration: 1}, {Clients: 1, Keys: 1}} {
		if bad.Check() == nil {
			t.Errorf("Check(%+v) accepted it", bad)
		}
	}
}
