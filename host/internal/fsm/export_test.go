package fsm

import (
	"testing"

	"github.com/synodhq/synod/host/internal/store"
)

// SetFlushBytes sets the batch size at which s commits a run of entries.
func SetFlushBytes(s *StateMachine, n int) { s.flushBytes = n }

// KeptKeys returns how many idempotency keys a shard keeps, by its count
// and by its records, failing t if they differ.
func KeptKeys(t *testing.T, db *store.DB, shardID uint64) uint64 {
	t.Helper()
	txn := db.Txn(shardID)
	defer txn.Close()
	stats, err := readKeyStats(txn)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := txn.Records(recordKeyPrefix, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(recs)) != stats.keys {
		t.Fatalf("shard %d counts %d idempotency keys and has %d records", shardID, stats.keys, len(recs))
	}
	return stats.keys
}

// KeyGeneration is how many keys a generation of what a replica knows of
// its shard's keys holds.
const KeyGeneration = keyGeneration
