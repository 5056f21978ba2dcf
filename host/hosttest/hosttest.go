// Package hosttest breaks a host's data on purpose, as a bad disk or a bug
// could, so that tests can check that Synod notices. Nothing else should
// import it.
package hosttest

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/synodhq/synod/host/internal/store"
)

// CorruptKey sets key to value in a shard's state on a stopped host,
// bypassing Raft: the replica's state then differs from its peers' while
// its applied index and checksum say nothing changed. dataDir is the
// host's data directory ([host.Config.DataDir]).
func CorruptKey(dataDir string, shardID uint64, key, value []byte) (err error) {
	db, err := store.Open(filepath.Join(dataDir, "state"), store.Options{})
	if err != nil {
		return fmt.Errorf("open the state of %s: %w", dataDir, err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	applied, err := db.AppliedIndex(shardID)
	if err != nil {
		return err
	}
	txn := db.Txn(shardID)
	defer txn.Close()
	if err := txn.Begin(store.Limits{}); err != nil {
		return err
	}
	if err := txn.Set(key, value); err != nil {
		return err
	}
	if err := txn.Commit(applied); err != nil {
		return err
	}
	return db.Sync()
}
