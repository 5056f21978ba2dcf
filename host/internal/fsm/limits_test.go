package fsm_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/internal/outcome"
)

// TestGroupingDoesNotMatter applies one log of the kv example, with write
// limits, to three replicas that group its entries differently: all in
// one Update, one entry per Update, and all in one Update committed in
// many small batches. Every entry must have the same outcome on each, and
// the replicas the same state and checksum.
func TestGroupingDoesNotMatter(t *testing.T) {
	t.Parallel()
	const shard = 1024
	limits := store.Limits{WriteBytes: 8 << 10, WriteKeys: 100, StoredBytes: 40 << 10}
	put := func(key string, size int) string {
		return fmt.Sprintf(`{"op":"put","key":%q,"value":%q}`, key, strings.Repeat("v", size))
	}
	payloads := []string{
		put("a", 4<<10),
		put("big", 9<<10), // over the write limit
		put("b", 4<<10),
		`{"op":"delete","key":"a"}`,
	}
	for i := range 12 { // fills the shard past its limit
		payloads = append(payloads, put(fmt.Sprintf("fill-%02d", i), 6<<10))
	}
	payloads = append(payloads, `{"op":"delete","key":"fill-00"}`, put("after", 1<<10))
	log := make([]sm.Entry, len(payloads))
	for i, p := range payloads {
		log[i] = sm.Entry{Index: uint64(i + 1), Cmd: fsm.EncodeCommand(int64(100+i), fsm.Budget{Limits: limits}, nil, []byte(p))}
	}
	copyLog := func() []sm.Entry { return append([]sm.Entry(nil), log...) }

	whole, single, small := newReplica(t, shard), newReplica(t, shard), newReplica(t, shard)
	fsm.SetFlushBytes(small.sm, 1<<10)
	outcomes := make([][]string, 3)
	for _, e := range update(t, whole.sm, copyLog()) {
		outcomes[0] = append(outcomes[0], fmt.Sprint(e.out, e.err))
	}
	for _, e := range copyLog() {
		r := update(t, single.sm, []sm.Entry{e})[0]
		outcomes[1] = append(outcomes[1], fmt.Sprint(r.out, r.err))
	}
	for _, e := range update(t, small.sm, copyLog()) {
		outcomes[2] = append(outcomes[2], fmt.Sprint(e.out, e.err))
	}

	refused := map[string]int{}
	for i := range log {
		if outcomes[0][i] != outcomes[1][i] || outcomes[0][i] != outcomes[2][i] {
			t.Errorf("entry %d has different outcomes by grouping:\n%q\n%q\n%q", i+1, outcomes[0][i], outcomes[1][i], outcomes[2][i])
		}
		for _, want := range []string{"limit of 8192 bytes", "would hold 41003 bytes of keys and values, over its limit of 40960"} {
			if strings.Contains(outcomes[0][i], want) {
				refused[want]++
			}
		}
	}
	// "big" is over the write limit; of the twelve fills, five fit: b and
	// five fills hold 4,097 + 5*6,151 = 34,852 bytes, and a sixth would
	// make 41,003.
	if refused["limit of 8192 bytes"] != 1 || refused["would hold 41003 bytes of keys and values, over its limit of 40960"] != 7 {
		t.Errorf("refusals: %v, want 1 over the write limit and 7 over the stored limit; outcomes:\n%q", refused, outcomes[0])
	}
	if last := outcomes[0][len(log)-1]; last != `{"ok":true}<nil>` {
		t.Errorf("a put after a delete made room: %s", last)
	}

	var images [3][]byte
	for i, r := range []replica{whole, single, small} {
		var buf bytes.Buffer
		if err := r.db.Snapshot(shard).WriteTo(&buf, nil); err != nil {
			t.Fatal(err)
		}
		images[i] = buf.Bytes()
	}
	if !bytes.Equal(images[0], images[1]) || !bytes.Equal(images[0], images[2]) {
		t.Error("replicas that grouped the same log differently hold different states")
	}
}

// TestWriteLimitOutcome checks that a command over its write limit is an
// applied refusal that says so, and keeps none of its writes.
func TestWriteLimitOutcome(t *testing.T) {
	t.Parallel()
	const shard = 1024
	r := newReplica(t, shard)
	budget := fsm.Budget{Limits: store.Limits{WriteBytes: 100}}
	es := []sm.Entry{
		{Index: 1, Cmd: fsm.EncodeCommand(1, budget, nil, []byte(`{"op":"put","key":"k","value":"small"}`))},
		{Index: 2, Cmd: fsm.EncodeCommand(2, budget, nil, []byte(`{"op":"put","key":"k","value":"`+strings.Repeat("x", 200)+`"}`))},
	}
	res := update(t, r.sm, es)
	var e *outcome.Error
	if !errors.As(res[1].err, &e) || e.Kind != outcome.OverLimit || e.Applied != outcome.AppliedYes || e.Code != outcome.CodeWriteLimit ||
		!strings.Contains(e.Message, "the command wrote more than its limit of 100 bytes") {
		t.Fatalf("a put over the write limit: got %v", res[1].err)
	}
	if got := userState(t, r.db, shard); got["k"] != "small" {
		t.Fatalf("the refused put changed the state: %q", got)
	}
}
