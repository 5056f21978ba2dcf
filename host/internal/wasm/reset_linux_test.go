package wasm

import (
	"bytes"
	"testing"

	"github.com/synodhq/synod/internal/testwasm"
)

// TestResetWithoutFaultsCopiesHotPagesOnly checks that an update that
// wrote only the pages left unprotected (see dirtyTracker) is undone
// without scanning the memory for written pages, and that one that wrote
// a protected page still is scanned for and undone.
func TestResetWithoutFaultsCopiesHotPagesOnly(t *testing.T) {
	t.Parallel()
	skipUnlessResetsWatchFaults(t)
	m := loadProbe(t, Config{CacheDir: testwasm.CacheDir(t), PoolSize: 1})
	call := func(in string) error {
		_, _, err := m.Call(t.Context(), Update, []byte(in), Env{TimeNanos: 7}, mapKV{})
		return err
	}
	image := m.image.memory.b
	memory := func() []byte { return pooledMemory(m) }
	// The first calls find the pages an update writes and leave them
	// unprotected.
	for range 3 {
		if err := call("count k"); err != nil {
			t.Fatal(err)
		}
	}
	const calls = 40
	before, tracked := trackerScans(m)
	if !tracked {
		t.Fatal("the instance does not track its writes")
	}
	for range calls {
		if err := call("count k"); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := trackerScans(m)
	// A fault of the Go runtime's own on the calling thread (its heap
	// growing, the race detector's shadow memory) makes a reset scan:
	// under load, with -race, a third of them did once. Without the
	// fast path none skips.
	skipped := calls - (after - before)
	t.Logf("%d of %d resets skipped the scan", skipped, calls)
	if skipped < calls/10 {
		t.Errorf("%d of %d resets after updates that wrote only unprotected pages skipped the scan, want more", skipped, calls)
	}
	if !bytes.Equal(memory(), image) {
		t.Error("after updates that wrote unprotected pages: memory differs from the image")
	}
	if err := call("scribble"); err != nil {
		t.Fatal(err)
	}
	if got, _ := trackerScans(m); got != after+1 {
		t.Errorf("the reset after an update that wrote protected pages scanned %d times, want once", got-after)
	}
	if !bytes.Equal(memory(), image) {
		t.Error("after an update that wrote protected pages: memory differs from the image")
	}
}

// TestOnlyRestoredInstancesSkipTheScan checks the bookkeeping that keeps
// the scan-free reset to instances nothing wrote since their last reset:
// an instance a query ran on (kept warm, not reset) is not restored, one
// an update ran on is once reset.
func TestOnlyRestoredInstancesSkipTheScan(t *testing.T) {
	t.Parallel()
	m := loadProbe(t, Config{CacheDir: testwasm.CacheDir(t), PoolSize: 1})
	pooled := func() (clean, warm []bool) {
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, inst := range m.clean {
			clean = append(clean, inst.restored)
		}
		for _, inst := range m.warm {
			warm = append(warm, inst.restored)
		}
		return clean, warm
	}
	if _, _, err := m.Call(t.Context(), Query, []byte("count"), Env{}, mapKV{}); err != nil {
		t.Fatal(err)
	}
	if clean, warm := pooled(); len(clean) != 0 || len(warm) != 1 || warm[0] {
		t.Fatalf("after a query: clean pool %v, warm pool %v (restored or not); want one warm instance, not restored", clean, warm)
	}
	if _, _, err := m.Call(t.Context(), Update, []byte("count k"), Env{TimeNanos: 7}, mapKV{}); err != nil {
		t.Fatal(err)
	}
	if clean, _ := pooled(); len(clean) != 1 || !clean[0] {
		t.Fatalf("after an update: clean pool %v (restored or not), want one restored instance", clean)
	}
}

// TestHotPagesFollowTheCalls checks that the pages left unprotected are
// chosen anew now and then: an update that writes many pages first (here
// scribble, 128 of them) fills them, and the usual updates that follow
// come to skip the scan all the same.
func TestHotPagesFollowTheCalls(t *testing.T) {
	t.Parallel()
	skipUnlessResetsWatchFaults(t)
	m := loadProbe(t, Config{CacheDir: testwasm.CacheDir(t), PoolSize: 1})
	call := func(in string) {
		t.Helper()
		if _, _, err := m.Call(t.Context(), Update, []byte(in), Env{TimeNanos: 7}, mapKV{}); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
	}
	call("scribble")
	for range 2 * reformEvery {
		call("count k")
	}
	const calls = 40
	before, _ := trackerScans(m)
	for range calls {
		call("count k")
	}
	after, _ := trackerScans(m)
	skipped := calls - (after - before)
	t.Logf("%d of %d resets skipped the scan", skipped, calls)
	if skipped < calls/10 {
		t.Errorf("%d of %d resets after the usual updates skipped the scan, want more: the hot pages are still scribble's", skipped, calls)
	}
	if !bytes.Equal(pooledMemory(m), m.image.memory.b) {
		t.Error("memory differs from the image")
	}
}

// skipUnlessResetsWatchFaults skips a test of the scan-free reset on a
// kernel where resets cannot use it.
func skipUnlessResetsWatchFaults(t *testing.T) {
	t.Helper()
	if !countsWriteFaults() {
		t.Skip("this kernel lacks asynchronous userfaultfd write protection or PAGEMAP_SCAN, or does not count its faults: every reset scans or maps the image again")
	}
}

// pooledMemory returns a copy of the memory of m's one clean instance.
func pooledMemory(m *Module) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, _ := m.clean[0].mod.Memory().Read(0, m.clean[0].mod.Memory().Size())
	return bytes.Clone(b)
}
