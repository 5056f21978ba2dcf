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

// covered reports whether r's stored state counts as covered by verify
// entries (fsm.Covered over what its store holds).
func (r *checked) covered(t *testing.T) bool {
	t.Helper()
	v := r.db.View(1024)
	defer v.Close()
	cov, err := v.Coverage()
	if err != nil {
		t.Fatal(err)
	}
	applied, err := v.AppliedIndex()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := v.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	return fsm.Covered(sum, cov, applied)
}

// restart replaces r's machine with a new one over the same store, as a
// restarted host starts it: knowing only what the store holds.
func (r *checked) restart(t *testing.T) {
	t.Helper()
	next := fsm.New(1024, r.db, &script{})
	next.OnDivergence = r.sm.OnDivergence
	index, err := next.Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	if index != r.lastIndex {
		t.Fatalf("restarted at index %d, want %d", index, r.lastIndex)
	}
	r.sm = next
}

// TestVerificationOutlivesAStop follows replicas through restarts, as
// hibernation and host restarts stop them: a replica judges a verify entry
// of an index it applied before it restarted, as long as nothing changed
// its state since, so that a divergence is found whenever a verify entry
// was applied; and the store says whether the state as it stands has been
// covered by one, which decides whether the leader proposes another.
func TestVerificationOutlivesAStop(t *testing.T) {
	t.Parallel()
	cmd := func(s string) []byte { return fsm.EncodeCommand(1, fsm.Budget{}, nil, []byte(s)) }
	leader, agrees, differs := newChecked(t), newChecked(t), newChecked(t)
	for _, r := range []*checked{leader, agrees, differs} {
		r.run(t, cmd("set k 1"))
	}
	leader.run(t, cmd("set j 2"))
	agrees.run(t, cmd("set j 2"))
	differs.run(t, cmd("set j 3")) // its module misbehaves at index 2
	if leader.covered(t) {
		t.Fatal("a shard that applied entries no verify entry asked about counts as covered")
	}
	// A verify entry of index 1, proposed before the write at 2 applied;
	// then each replica stops and starts again.
	verifyOne := fsm.EncodeVerify(1, sumAfter(t, cmd("set k 1")))
	for _, r := range []*checked{leader, agrees, differs} {
		r.run(t, verifyOne)
		if r.covered(t) {
			t.Fatal("a verify entry of an index before the last change counts as covering the state")
		}
		r.restart(t)
	}
	// The leader proposes again (it is not covered): a verify entry of
	// index 2, which the restarted replicas applied before they stopped.
	verifyTwo := fsm.EncodeVerify(2, leader.checksum(t))
	if got := verdict(t, agrees.run(t, verifyTwo)[0]); got != fsm.VerifyOK {
		t.Errorf("an agreeing replica restarted since index 2: %q, want ok", got)
	}
	if got := verdict(t, differs.run(t, verifyTwo)[0]); got != fsm.VerifyDiverged {
		t.Errorf("a replica that diverged at index 2, restarted since: %q, want diverged", got)
	}
	if len(differs.diverged) != 1 || differs.diverged[0] != 2 {
		t.Errorf("the diverged replica reported %v, want a divergence at 2", differs.diverged)
	}
	if got := verdict(t, leader.run(t, verifyTwo)[0]); got != fsm.VerifyOK {
		t.Errorf("the leader's own verify entry: %q, want ok", got)
	}
	if !leader.covered(t) || !agrees.covered(t) {
		t.Error("after a verify entry of the index of the last change, the state does not count as covered")
	}

	// A machine resumes from its predecessor's health.
	h := agrees.sm.Health()
	next := fsm.New(1024, agrees.db, &script{})
	next.Resume(h)
	if got := next.Health(); got != h || got.VerifiedIndex != 2 {
		t.Errorf("a resumed machine's health %+v, want its predecessor's %+v, verified at 2", got, h)
	}

	// Restarted again, the state still counts as covered (the leader adds
	// no entry); a command uncovers it.
	agrees.restart(t)
	if !agrees.covered(t) {
		t.Error("a restart uncovered the state")
	}
	leader.run(t, cmd("set k 5"))
	agrees.run(t, cmd("set k 5"))
	if agrees.covered(t) {
		t.Error("a command's change counts as covered")
	}
	// In one batch: a command and a verify entry of its index cover it; a
	// verify entry and a command after it do not.
	leader.run(t, cmd("set k 6"))
	verifySix := fsm.EncodeVerify(leader.lastIndex, leader.checksum(t))
	if got := verdict(t, agrees.run(t, cmd("set k 6"), verifySix)[1]); got != fsm.VerifyOK || !agrees.covered(t) {
		t.Errorf("a command and a verify entry of its index in one batch: %q, covered %v; want ok, covered", got, agrees.covered(t))
	}
	agrees.run(t, verifySix, cmd("set k 7"))
	if agrees.covered(t) {
		t.Error("a verify entry followed by a command in one batch counts as covered")
	}

	// A replica recovered from a snapshot judges a verify entry of the
	// index of the last change before the snapshot (here the index it was
	// taken at), but not of one before it.
	var snap bytes.Buffer
	if err := leader.db.Snapshot(1024).WriteTo(&snap, nil); err != nil {
		t.Fatal(err)
	}
	fresh := newChecked(t)
	if err := fresh.sm.RecoverFromSnapshot(&snap, nil); err != nil {
		t.Fatal(err)
	}
	fresh.lastIndex = leader.lastIndex
	if got := verdict(t, fresh.run(t, fsm.EncodeVerify(leader.lastIndex, leader.checksum(t)))[0]); got != fsm.VerifyOK {
		t.Errorf("a replica recovered from a snapshot, of the snapshot's index: %q, want ok", got)
	}
	if got := verdict(t, fresh.run(t, fsm.EncodeVerify(1, sumAfter(t, cmd("set k 1"))))[0]); got != fsm.VerifyUnknown {
		t.Errorf("a replica recovered from a snapshot, of an index before the snapshot's last change: %q, want unknown", got)
	}
}

// sumAfter returns the checksum of a shard that applied cmds, from index 1.
func sumAfter(t *testing.T, cmds ...[]byte) []byte {
	t.Helper()
	r := newChecked(t)
	r.run(t, cmds...)
	return r.checksum(t)
}
