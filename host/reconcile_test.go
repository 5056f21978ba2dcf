package host

import (
	"slices"
	"testing"
	"time"

	"github.com/synodhq/synod/host/meta"
)

// TestPassVisitsUnsettledWokenAndChanged checks which shards a pass that
// is not whole looks at: those the last pass left unsettled, those whose
// replica woke and, on the list's next generation, those whose record
// changed, each once, in order of id; not the settled ones, nor a shard
// no longer listed, whose id it returns apart if its record changed.
func TestPassVisitsUnsettledWokenAndChanged(t *testing.T) {
	list := &shardList{byID: make(map[uint64]listedShard), changed: map[uint64]struct{}{6: {}, 4: {}, 7: {}}}
	for id := uint64(1); id <= 6; id++ {
		list.byID[id] = listedShard{shard: meta.Shard{ID: id}}
	}
	woken := map[uint64]struct{}{5: {}, 2: {}}
	for _, c := range []struct {
		gen         uint64
		visit, gone []uint64
	}{
		{7, []uint64{2, 4, 5}, nil},
		{8, []uint64{2, 4, 5, 6}, []uint64{7}},
	} {
		list.gen = c.gen
		p := passState{gen: 7, unsettledIDs: map[uint64]struct{}{4: {}, 2: {}, 9: {}}}
		visit, gone := p.unsettled(list, woken)
		var ids []uint64
		for _, s := range visit {
			ids = append(ids, s.ID)
		}
		if !slices.Equal(ids, c.visit) || !slices.Equal(gone, c.gone) {
			t.Errorf("list of generation %d after a pass over %d: a pass looks at shards %v and deleted %v, want %v and %v", c.gen, p.gen, ids, gone, c.visit, c.gone)
		}
	}
}

// TestWholePass checks when a pass looks at every shard.
func TestWholePass(t *testing.T) {
	at := time.Unix(1000, 0)
	cases := []struct {
		why   string
		pass  passState
		gen   uint64
		now   time.Time
		whole bool
	}{
		{"the first pass", passState{}, 1, at, true},
		{"the same list, soon after", passState{gen: 3, at: at}, 3, at.Add(time.Second), false},
		{"the next list", passState{gen: 3, at: at}, 4, at.Add(time.Second), false},
		{"a list two generations on", passState{gen: 3, at: at}, 5, at.Add(time.Second), true},
		{"after a pass that failed to remove a replica", passState{gen: 3, at: at, failed: true}, 3, at.Add(time.Second), true},
		{"fullPassEvery after the last whole pass", passState{gen: 3, at: at}, 3, at.Add(fullPassEvery), true},
	}
	for _, c := range cases {
		if got := c.pass.whole(c.gen, c.now); got != c.whole {
			t.Errorf("%s: whole = %t, want %t", c.why, got, c.whole)
		}
	}
}
