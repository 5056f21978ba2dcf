package fsm_test

import (
	"bytes"
	"testing"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
)

// checked is one state machine with its own store.
type checked struct {
	sm        *fsm.StateMachine
	db        *store.DB
	diverged  []uint64
	lastIndex uint64
}

func newChecked(t *testing.T) *checked {
	t.Helper()
	db, err := store.Open(t.TempDir(), store.Options{CacheBytes: 1 << 20, MemTableBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	r := &checked{db: db}
	r.sm = fsm.New(1024, db, &script{})
	r.sm.OnDivergence = func(index uint64, _, _ []byte) { r.diverged = append(r.diverged, index) }
	return r
}

// run applies commands (script payloads) as one batch and returns the
// entries' results.
func (r *checked) run(t *testing.T, cmds ...[]byte) []sm.Entry {
	t.Helper()
	es := make([]sm.Entry, len(cmds))
	for i, c := range cmds {
		r.lastIndex++
		es[i] = sm.Entry{Index: r.lastIndex, Cmd: c}
	}
	out, err := r.sm.Update(es)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (r *checked) checksum(t *testing.T) []byte {
	t.Helper()
	v := r.db.View(1024)
	defer v.Close()
	sum, err := v.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func verdict(t *testing.T, e sm.Entry) string {
	t.Helper()
	res, err := fsm.DecodeResult(e.Result)
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Output)
}

func TestChecksumDetectsDivergence(t *testing.T) {
	t.Parallel()
	cmd := func(s string) []byte { return fsm.EncodeCommand(1, fsm.Budget{}, nil, []byte(s)) }
	a, b, c := newChecked(t), newChecked(t), newChecked(t)
	for _, r := range []*checked{a, b, c} {
		r.run(t, cmd("set k 1"), cmd("set j 2;fail"), cmd("trap"))
	}
	// c's module misbehaves at index 4: it writes another value.
	a.run(t, cmd("set k 2;del j"))
	b.run(t, cmd("set k 2;del j"))
	c.run(t, cmd("set k 3;del j"))
	if !bytes.Equal(a.checksum(t), b.checksum(t)) {
		t.Fatalf("replicas that applied the same entries have different checksums")
	}
	if bytes.Equal(a.checksum(t), c.checksum(t)) {
		t.Fatalf("a replica that wrote another value has the same checksum")
	}
	// A verify entry carrying a's checksum at index 4.
	verify := fsm.EncodeVerify(4, a.checksum(t))
	before := a.checksum(t)
	if got := verdict(t, a.run(t, verify)[0]); got != fsm.VerifyOK {
		t.Errorf("leader's own verify: %q, want ok", got)
	}
	if got := verdict(t, b.run(t, verify)[0]); got != fsm.VerifyOK {
		t.Errorf("agreeing replica: %q, want ok", got)
	}
	if got := verdict(t, c.run(t, verify)[0]); got != fsm.VerifyDiverged {
		t.Errorf("diverged replica: %q, want diverged", got)
	}
	if !bytes.Equal(a.checksum(t), before) {
		t.Errorf("a verify entry changed the checksum")
	}
	if h := b.sm.Health(); h.VerifiedIndex != 4 || h.DivergedIndex != 0 {
		t.Errorf("agreeing replica's health %+v, want verified at 4", h)
	}
	if h := c.sm.Health(); h.DivergedIndex != 4 || len(c.diverged) != 1 {
		t.Errorf("diverged replica's health %+v (reported %v), want diverged at 4, reported once", h, c.diverged)
	}
	// A verify entry can name the index of another verify entry: the state
	// there is the state before it.
	if got := verdict(t, b.run(t, fsm.EncodeVerify(5, before))[0]); got != fsm.VerifyOK {
		t.Errorf("verify at the index of a verify entry: %q, want ok", got)
	}
	// An index it no longer remembers cannot be judged.
	if got := verdict(t, b.run(t, fsm.EncodeVerify(99999, before))[0]); got != fsm.VerifyUnknown {
		t.Errorf("verify of an unknown index: %q, want unknown", got)
	}
}
