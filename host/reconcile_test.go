package host

import (
	"slices"
	"testing"

	"github.com/synodhq/synod/host/meta"
)

// TestPassVisitsUnsettledAndWoken checks which shards a pass that is not
// whole looks at: those the last pass left unsettled and those whose
// replica woke, each once, in order of id; not the settled ones, nor a
// shard no longer listed.
func TestPassVisitsUnsettledAndWoken(t *testing.T) {
	list := &shardList{byID: make(map[uint64]meta.Shard)}
	for id := uint64(1); id <= 6; id++ {
		list.byID[id] = meta.Shard{ID: id}
	}
	p := passState{unsettledIDs: map[uint64]struct{}{4: {}, 2: {}, 9: {}}}
	woken := map[uint64]struct{}{5: {}, 2: {}}
	var got []uint64
	for _, s := range p.unsettled(list, woken) {
		got = append(got, s.ID)
	}
	if want := []uint64{2, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("a pass looks at shards %v, want %v", got, want)
	}
}
