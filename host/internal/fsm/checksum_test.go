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

// TestVerificationOutlivesAStop follows one replica's machine through
// stops, as hibernation and restarts stop it: the checksum its last verify
// entry carried says whether anything applied since is unverified, and a
// machine that resumes from its predecessor's health knows it too; a
// machine that opens the store can judge a verify entry at the index it
// opened at, which a restarted replica could not.
func TestVerificationOutlivesAStop(t *testing.T) {
	t.Parallel()
	cmd := func(s string) []byte { return fsm.EncodeCommand(1, fsm.Budget{}, nil, []byte(s)) }
	r := newChecked(t)
	r.run(t, cmd("set k 1"), cmd("set j 2"))
	if h := r.sm.Health(); h.CheckedSum != nil {
		t.Fatalf("before any verify entry, the checked sum is %x, want none", h.CheckedSum)
	}
	sum := r.checksum(t)
	r.run(t, fsm.EncodeVerify(2, sum))
	h := r.sm.Health()
	if !bytes.Equal(h.CheckedSum, sum) || h.VerifiedIndex != 2 {
		t.Fatalf("after a verify entry at index 2: %+v, want verified at 2 with the checked sum %x", h, sum)
	}

	// Stopped and started again, resuming from the stopped machine.
	next := fsm.New(1024, r.db, &script{})
	next.Resume(h)
	if _, err := next.Open(nil); err != nil {
		t.Fatal(err)
	}
	if got := next.Health(); !bytes.Equal(got.CheckedSum, sum) || got.VerifiedIndex != 2 {
		t.Errorf("resumed machine's health %+v, want its predecessor's %+v", got, h)
	}
	r.sm = next
	r.run(t, cmd("set k 3"))
	if got := r.sm.Health(); bytes.Equal(r.checksum(t), got.CheckedSum) {
		t.Errorf("after a command, the checksum is still the checked one: the command would go unverified")
	}

	// Started again from the store alone, as after a restart: a verify
	// entry at the index it opened at finds its checksum.
	fresh := fsm.New(1024, r.db, &script{})
	index, err := fresh.Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	if index != r.lastIndex {
		t.Fatalf("opened at index %d, want %d", index, r.lastIndex)
	}
	r.sm = fresh
	if got := verdict(t, r.run(t, fsm.EncodeVerify(index, r.checksum(t)))[0]); got != fsm.VerifyOK {
		t.Errorf("verify at the index the machine opened at: %q, want ok", got)
	}
	if got := verdict(t, r.run(t, fsm.EncodeVerify(index-1, sum))[0]); got != fsm.VerifyUnknown {
		t.Errorf("verify at an index before the one it opened at: %q, want unknown", got)
	}
}
