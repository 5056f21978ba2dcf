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
	if !tracking() {
		t.Skip("this kernel lacks asynchronous userfaultfd write protection or PAGEMAP_SCAN: resets map the image again instead")
	}
	rt, err := NewRuntime(t.Context(), Config{CacheDir: testwasm.CacheDir(t), PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(t.Context())
	bin := testwasm.Build(t, "github.com/synodhq/synod/host/internal/wasm/testdata/probe")
	m, err := rt.Load(t.Context(), Hash(bin), bin)
	if err != nil {
		t.Fatal(err)
	}
	call := func(in string) error {
		_, _, err := m.Call(t.Context(), Update, []byte(in), Env{TimeNanos: 7}, mapKV{})
		return err
	}
	image := m.image.memory.b
	memory := func() []byte {
		t.Helper()
		m.mu.Lock()
		defer m.mu.Unlock()
		b, _ := m.clean[0].mod.Memory().Read(0, m.clean[0].mod.Memory().Size())
		return bytes.Clone(b)
	}
	// The first calls find the pages an update writes and leave them
	// unprotected.
	for range 3 {
		if err := call("count k"); err != nil {
			t.Fatal(err)
		}
	}
	const calls = 20
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
	// A fault of the Go runtime's own on the calling thread makes a reset
	// scan: most, not all, resets skip the scan.
	if skipped := calls - (after - before); skipped < calls/2 {
		t.Errorf("%d of %d resets after updates that wrote only unprotected pages skipped the scan, want most", skipped, calls)
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
