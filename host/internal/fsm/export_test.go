package fsm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/synodhq/synod/host/internal/store"
)

// SetFlushBytes sets the batch size at which s commits a run of entries.
func SetFlushBytes(s *StateMachine, n int) { s.flushBytes = n }

// KeptKeys returns how many idempotency keys a shard keeps, by its count
// and by its records, failing t if they differ.
func KeptKeys(t *testing.T, db *store.DB, shardID uint64) uint64 {
	t.Helper()
	keys, _ := KeyStats(t, db, shardID)
	txn := db.Txn(shardID)
	defer txn.Close()
	recs, err := txn.Records(recordKeyPrefix, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(recs)) != keys {
		t.Fatalf("shard %d counts %d idempotency keys and has %d records", shardID, keys, len(recs))
	}
	return keys
}

// KeyGeneration is how many keys a generation of what a replica knows of
// its shard's keys holds.
const KeyGeneration = keyGeneration

// AllRecords returns every record of a shard, one per line.
func AllRecords(t *testing.T, db *store.DB, shardID uint64) string {
	t.Helper()
	txn := db.Txn(shardID)
	defer txn.Close()
	recs, err := txn.Records(nil, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "%q %x\n", r.Key, r.Value)
	}
	return b.String()
}

// KeyFloor returns the floor above which s knows every key its shard
// keeps.
func KeyFloor(s *StateMachine) string { return string(s.keys.floor) }

// KeyStats returns the count and bytes of the idempotency keys a shard
// keeps, as its statistics record says.
func KeyStats(t *testing.T, db *store.DB, shardID uint64) (keys, bytes uint64) {
	t.Helper()
	txn := db.Txn(shardID)
	defer txn.Close()
	stats, err := readKeyStats(txn)
	if err != nil {
		t.Fatal(err)
	}
	return stats.keys, stats.bytes
}

// Blind makes s keep nothing in memory of its shard's state: it looks up
// every idempotency key, reads the oldest expiry at every entry, and reads
// a query's applied index and clock from its view.
func Blind(s *StateMachine) { s.keys.blind = true }
