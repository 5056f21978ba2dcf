package meta

import (
	"fmt"
	"reflect"

	"github.com/synodhq/synod/host/internal/store"
)

// CheckPlacementLoad returns an error if the catalogue of db holds shards
// but no placement load, or a placement load other than what its shards'
// records count.
func CheckPlacementLoad(db *store.DB) error {
	v := db.View(ShardID)
	defer v.Close()
	shards, err := listShards(v, keyShard)
	if err != nil {
		return err
	}
	kept, ok, err := getRecord[placementLoad](v, []byte(keyPlacementLoad))
	switch {
	case err != nil:
		return err
	case !ok && len(shards) > 0:
		return fmt.Errorf("the catalogue holds %d shards and no placement load", len(shards))
	case !ok:
		return nil
	}
	want := loadOf(shards)
	if !reflect.DeepEqual(orEmpty(kept.Replicas), want.Replicas) || !reflect.DeepEqual(orEmpty(kept.Leaders), want.Leaders) {
		return fmt.Errorf("placement load %+v, but the shards' records count %+v", kept, want)
	}
	return nil
}

// orEmpty returns m, or an empty map if m is nil.
func orEmpty(m map[uint64]int) map[uint64]int {
	if m == nil {
		return map[uint64]int{}
	}
	return m
}

// ForgetPlacementLoad deletes the placement load from the catalogue of
// db, as a catalogue written before it was kept lacks it, at the applied
// index index.
func ForgetPlacementLoad(db *store.DB, index uint64) error {
	txn := db.Txn(ShardID)
	defer txn.Close()
	if err := txn.Delete([]byte(keyPlacementLoad)); err != nil {
		return err
	}
	return txn.Commit(index)
}
