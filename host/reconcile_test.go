package host

import (
	"slices"
	"testing"

	"github.com/synodhq/synod/host/meta"
)

// TestPassVisitsUnsettledWokenAndChanged checks which shards a pass that
// is not whole looks at: those the last pass left unsettled, those whose
// replica woke and, on the list's next generation, those whose record
// changed, each once, in order of id; not the settled ones, nor a shard
// no longer listed, whose id it returns apart if its record changed.
func TestPassVisitsUnsettledWokenAndChanged(t *testing.T) {
	list := &shardList{byID: make(map[uint64]meta.Shard), changed: map[uint64]struct{}{6: {}, 4: {}, 7: {}}}
	for id := uint64(1); id <= 6; id++ {
		list.byID[id] = meta.Shard{ID: id}
	}
	p := passState{unsettledIDs: map[uint64]struct{}{4: {}, 2: {}, 9: {}}}
	woken := map[uint64]struct{}{5: {}, 2: {}}
	for _, c := range []struct {
		next        bool
		visit, gone []uint64
	}{
		{false, []uint64{2, 4, 5}, nil},
		{true, []uint64{2, 4, 5, 6}, []uint64{7}},
	} {
		visit, gone := p.unsettled(list, woken, c.next)
		var ids []uint64
		for _, s := range visit {
			ids = append(ids, s.ID)
		}
		if !slices.Equal(ids, c.visit) || !slices.Equal(gone, c.gone) {
			t.Errorf("next generation %t: a pass looks at shards %v and deleted %v, want %v and %v", c.next, ids, gone, c.visit, c.gone)
		}
	}
}
