package fsm_test

import (
	"errors"
	"strings"
	"testing"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/outcome"
)

// applyBatch applies one batch entry at index and returns its result.
func applyBatch(t *testing.T, s *fsm.StateMachine, index uint64, atomic bool, cmds ...fsm.BatchCommand) fsm.BatchResult {
	t.Helper()
	got, err := s.Update([]sm.Entry{{Index: index, Cmd: fsm.EncodeBatch(int64(index), fsm.Budget{Idempotency: aDay}, atomic, cmds)}})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	res, err := fsm.DecodeBatchResult(got[0].Result)
	if err != nil {
		t.Fatalf("DecodeBatchResult: %v", err)
	}
	if res.Index != index || len(res.Results) != len(cmds) {
		t.Fatalf("batch at %d: got index %d and %d results for %d commands", index, res.Index, len(res.Results), len(cmds))
	}
	return res
}

func bc(key, payload string) fsm.BatchCommand {
	return fsm.BatchCommand{Key: []byte(key), Payload: []byte(payload)}
}

// TestIndependentBatch checks that the commands of a batch that is not
// atomic succeed or fail each on its own: a failed one loses its own
// writes only.
func TestIndependentBatch(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	res := applyBatch(t, s, 1, false, bc("", "set a 1;call"), bc("", "set x 1;fail"), bc("", "set b 2"))
	if res.Errs[0] != nil || string(res.Results[0].Output) != "7/1/1" || !isAppError(7)(res.Errs[1]) || res.Errs[2] != nil {
		t.Errorf("results %+v, errors %v: want the second to fail alone", res.Results, res.Errs)
	}
	if st := userState(t, db, 7); st["a"] != "1" || st["b"] != "2" || st["x"] != "" {
		t.Errorf("state %v, want a and b but not x", st)
	}
}

// TestAtomicBatch checks that an atomic batch keeps all of its writes or
// none: the first failure rolls back the commands before it, whose keys
// are not kept either, and the commands after it do not run.
func TestAtomicBatch(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	res := applyBatch(t, s, 1, true, bc("k1", "set a 1"), bc("", "set x 1;fail"), bc("k3", "set b 2"))
	var e *outcome.Error
	for i, verb := range map[int]string{0: "rolled back", 2: "not run"} {
		if !errors.As(res.Errs[i], &e) || e.Code != outcome.CodeBatchAborted || !strings.Contains(e.Message, verb) {
			t.Errorf("command %d: got %v, want %s because command 1 failed", i, res.Errs[i], verb)
		}
	}
	if !isAppError(7)(res.Errs[1]) {
		t.Errorf("command 1: got %v, want its own failure", res.Errs[1])
	}
	if st := userState(t, db, 7); len(st) != 0 {
		t.Errorf("state %v after a failed atomic batch, want nothing", st)
	}
	if n := fsm.KeptKeys(t, db, 7); n != 0 {
		t.Errorf("%d keys kept after a failed atomic batch, want none", n)
	}
	res = applyBatch(t, s, 2, true, bc("k1", "set a 1"), bc("k3", "set b 2"))
	if res.Errs[0] != nil || res.Errs[1] != nil || res.Results[0].Replayed {
		t.Fatalf("the batch without the failing command: %v, want it run", res.Errs)
	}
	again := applyBatch(t, s, 3, true, bc("k1", "set a 1"), bc("k3", "set b 2"))
	for i, r := range again.Results {
		if again.Errs[i] != nil || !r.Replayed || r.Index != 2 {
			t.Errorf("command %d of the batch sent again: got %+v, %v; want the first result replayed", i, r, again.Errs[i])
		}
	}
	if st := userState(t, db, 7); st["a"] != "1" || st["b"] != "2" || len(st) != 2 {
		t.Errorf("state %v, want a and b", st)
	}
}

// TestBatchSeeds checks that each command of a batch draws from a random
// stream of its own, and that a command alone in its entry keeps the
// entry's stream.
func TestBatchSeeds(t *testing.T) {
	t.Parallel()
	alone := fsm.Call{ShardID: 7, Index: 9}
	if alone.Env().Seed != wasm.Seed(7, 9) {
		t.Errorf("a command alone in its entry has another seed than the entry's")
	}
	seen := map[[32]byte]int{}
	for i := range 4 {
		c := alone
		c.Command = i
		if j, ok := seen[c.Env().Seed]; ok {
			t.Errorf("commands %d and %d of a batch share a seed", j, i)
		}
		seen[c.Env().Seed] = i
	}
}

// TestMalformedBatch checks that a batch entry cut short, or with bytes
// after its last command, is a trap for the entry, not a failure of the
// host, and changes nothing.
func TestMalformedBatch(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s := fsm.New(7, db, &script{})
	whole := fsm.EncodeBatch(1, fsm.Budget{}, false, []fsm.BatchCommand{bc("", "set a 1"), bc("k", "set b 1")})
	for i, cmd := range [][]byte{whole[:len(whole)-1], whole[:40], append(append([]byte(nil), whole...), 0)} {
		got, err := s.Update([]sm.Entry{{Index: uint64(i + 1), Cmd: cmd}})
		if err != nil {
			t.Fatalf("entry %d: Update: %v", i+1, err)
		}
		if _, err := fsm.DecodeResult(got[0].Result); !isTrap("malformed")(err) {
			t.Errorf("entry %d of %d bytes: got %v, want a trap for a malformed command", i+1, len(cmd), err)
		}
	}
	if st := userState(t, db, 7); len(st) != 0 {
		t.Errorf("state %v after malformed batches, want nothing", st)
	}
}
