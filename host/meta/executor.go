package meta

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/internal/outcome"
)

// Keys of the catalogue in the meta shard's key space. Modules and shards
// sit under their namespace (module/NS/HASH, shard/NS/NAME), so a
// namespace's entries are one range; a module's bytes are stored once, at
// wasm/HASH, with one modref/HASH/NS per namespace that holds it.
const (
	keyModule       = "module/"
	keyModuleRef    = "modref/"
	keyWasm         = "wasm/"
	keyShard        = "shard/"
	keyHost         = "host/"
	keyAPIKey       = "apikey/"
	keyQuota        = "quota/"
	keyUsage        = "usage/"
	keyNextShardID  = "next-shard-id"
	keyIDFloor      = "host-id-floor"
	keyBootstrapKey = "bootstrap-key"
	keyChallenge    = "challenge/"
	// keyPlacementLoad holds the placement load (see placementLoad).
	keyPlacementLoad = "placement-load"
)

func moduleKey(ns, hash string) []byte { return []byte(keyModule + ns + "/" + hash) }
func moduleRefs(hash string) string    { return keyModuleRef + hash + "/" }
func shardKey(ns, name string) []byte  { return []byte(keyShard + ns + "/" + name) }

// MaxReplicas is the largest replica count of a shard.
const MaxReplicas = 5

var shardName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// Executor is the meta shard's state machine logic.
type Executor struct {
	onChange func()
	// shardWrites counts the entries that wrote a shard's record, and the
	// snapshots recovered (see ShardWrites); notable counts those and the
	// commands other than heartbeats, and announced is its value when
	// onChange was last called.
	shardWrites, notable, announced atomic.Uint64
	// uncommitted counts the entries of the batch being applied that
	// wrote a shard's record: they join shardWrites once the batch is
	// committed (see Committed).
	uncommitted atomic.Uint64

	// mu guards the journal of shard writes (see ShardWritesSince), and
	// the writes to shardWrites.
	mu sync.Mutex
	// journal holds the keys of the shard records that the entries
	// counted in shardWrites from journalFrom on wrote, journalKeys of
	// them; pending holds those of the batch being applied.
	journal     []journalEntry
	journalFrom uint64
	journalKeys int
	pending     [][]byte
}

// journalEntry is what one committed batch wrote to shards' records: the
// keys, and the count of shard writes once it was committed.
type journalEntry struct {
	writes uint64
	keys   [][]byte
}

// maxJournalKeys bounds the keys the journal of shard writes keeps: a
// reader further behind reads every record.
const maxJournalKeys = 4096

var (
	_ fsm.Executor  = (*Executor)(nil)
	_ fsm.Recoverer = (*Executor)(nil)
)

// NewExecutor returns the meta executor. onChange, if not nil, is called
// after an applied batch with a command other than a heartbeat, or one
// that wrote a shard's record, and after a snapshot was recovered (from
// the goroutine that applied or recovered it; it must not block): not
// after every batch, as hosts' heartbeats, which write only their own
// records, are most of them.
func NewExecutor(onChange func()) *Executor {
	return &Executor{onChange: onChange}
}

// Committed implements fsm.Committer. It counts the batch's writes to
// shards' records only now: a reader that read the count before listing
// the records then lists at least what the count says, which it could
// not if the count ran ahead of the commit (a reconciler listing while a
// batch was applied would keep the old list with the new count).
func (x *Executor) Committed() {
	if n := x.uncommitted.Swap(0); n > 0 {
		x.mu.Lock()
		// The commands of one entry (a batch) each report the writes of
		// those before them too.
		slices.SortFunc(x.pending, bytes.Compare)
		e := journalEntry{writes: x.shardWrites.Add(n), keys: slices.CompactFunc(x.pending, bytes.Equal)}
		x.journal, x.journalKeys, x.pending = append(x.journal, e), x.journalKeys+len(e.keys), nil
		for x.journalKeys > maxJournalKeys {
			x.journalFrom, x.journalKeys = x.journal[0].writes, x.journalKeys-len(x.journal[0].keys)
			x.journal = slices.Delete(x.journal, 0, 1)
		}
		x.mu.Unlock()
	}
	if n := x.notable.Load(); x.announced.Swap(n) != n && x.onChange != nil {
		x.onChange()
	}
}

// kv is what the catalogue reads: a transaction or a view.
type kv interface {
	Get(key []byte) ([]byte, bool, error)
	Scan(start, end []byte, limit int) ([]store.KV, error)
}

// Update applies one catalogue command.
func (x *Executor) Update(_ context.Context, c fsm.Call, payload []byte, txn *store.Txn) (fsm.Output, error) {
	var out []byte
	req, err := decodeRequest(payload)
	if err != nil {
		err = fail(ErrInvalidArgument, "%v", err)
	} else {
		out, err = update(c, req, txn)
	}
	// Counted even if the command fails and its writes are rolled back: a
	// reader then reads the same records once more.
	written := txn.WrittenUnder([]byte(keyShard))
	wroteShards := len(written) > 0
	if wroteShards {
		x.mu.Lock()
		x.pending = append(x.pending, written...)
		x.mu.Unlock()
		x.uncommitted.Add(1)
	}
	if wroteShards || req.Op != OpHeartbeat {
		x.notable.Add(1)
	}
	return fsm.Output{Data: out}, err
}

// Recovered implements fsm.Recoverer: a snapshot replaced every record.
func (x *Executor) Recovered() {
	x.mu.Lock()
	x.journalFrom = x.shardWrites.Add(1)
	x.journal, x.journalKeys, x.pending = nil, 0, nil
	x.uncommitted.Store(0)
	x.mu.Unlock()
	x.notable.Add(1)
	x.Committed()
}

// ShardWrites counts, in this process, the entries this executor applied
// that wrote a shard's record, once their batch was committed, and the
// snapshots it recovered: while it stays the same, the shards its replica
// lists stay the same, and a listing read after it holds every write it
// counts. The count is not replicated state; it starts at zero with the
// process.
func (x *Executor) ShardWrites() uint64 { return x.shardWrites.Load() }

// ShardWritesSince returns the keys of the shard records written by the
// entries that ShardWrites counted after it counted from, each once, and
// the count now: a reader that read every record at count from, and
// reads those records again now, holds what a listing read now would.
// ok is false if the executor no longer knows them all (too many, or a
// snapshot recovered since); the reader must then read every record.
func (x *Executor) ShardWritesSince(from uint64) (keys []string, now uint64, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	now = x.shardWrites.Load()
	if from < x.journalFrom || from > now {
		return nil, now, false
	}
	seen := make(map[string]struct{})
	for _, e := range x.journal {
		if e.writes <= from {
			continue
		}
		for _, k := range e.keys {
			if _, dup := seen[string(k)]; !dup {
				seen[string(k)] = struct{}{}
				keys = append(keys, string(k))
			}
		}
	}
	return keys, now, true
}

// ShardRecord reads the record of the shard whose key ShardWritesSince
// returned, from a view of the catalogue; ok is false if it has none
// (the shard was deleted).
func ShardRecord(v *store.View, key string) (record []byte, ok bool, err error) {
	if !strings.HasPrefix(key, keyShard) {
		return nil, false, fmt.Errorf("%q is not a shard's key", key)
	}
	return v.Get([]byte(key))
}

// ShardRecordKey returns the key of a shard's record, as ShardWritesSince
// returns it.
func ShardRecordKey(s Shard) string { return string(shardKey(s.Namespace, s.Name)) }

func update(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	switch req.Op {
	case OpCreateKey:
		return createKey(c, req, txn)
	case OpBootstrapKey:
		return bootstrapKey(c, req, txn)
	case OpRevokeKey:
		return revokeKey(req, txn)
	case OpSetQuota:
		return setQuota(req, txn)
	case OpPutModule:
		return putModule(c, req, txn)
	case OpDeleteModule:
		return deleteModule(req, txn)
	case OpCreateShard:
		return createShard(c, req, txn)
	case OpDeleteShard:
		return deleteShard(req, txn)
	case OpHeartbeat:
		return heartbeat(c, req, txn)
	case OpJoinHost:
		return joinHost(c, req, txn)
	case OpDrainHost:
		return drainHost(c, req, txn)
	case OpRemoveHost:
		return removeHost(c, req, txn)
	case OpChallengeHost:
		return challengeHost(c, req, txn)
	case OpProveHost:
		return proveHost(c, req, txn)
	case OpAddReplica, OpRemoveReplica, OpMoveReplica, OpTransferLeader, OpReplicaCaughtUp, OpReplicaLeft:
		return changeReplicas(c, req, txn)
	}
	return nil, fail(ErrInvalidArgument, "unknown meta command %q", req.Op)
}

// Query answers one catalogue query.
func (x *Executor) Query(_ context.Context, _ fsm.Call, payload []byte, view *store.View) (fsm.Output, error) {
	out, err := query(payload, view)
	return fsm.Output{Data: out}, err
}

func query(payload []byte, view *store.View) ([]byte, error) {
	req, err := decodeRequest(payload)
	if err != nil {
		return nil, fail(ErrInvalidArgument, "%v", err)
	}
	switch req.Op {
	case OpGetModule:
		return getJSON(view, moduleKey(req.Namespace, req.Hash), ErrModuleNotFound, "module %s not found in namespace %s", req.Hash, req.Namespace)
	case OpGetWasm:
		b, ok, err := view.Get([]byte(keyWasm + req.Hash))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fail(ErrModuleNotFound, "module %s not found", req.Hash)
		}
		return b, nil
	case OpListModules:
		return listJSON(view, keyModule+req.Namespace+"/")
	case OpGetShard:
		return getJSON(view, shardKey(req.Namespace, req.Name), ErrShardNotFound, "shard %q not found in namespace %s", req.Name, req.Namespace)
	case OpListShards:
		if req.AllNamespaces {
			return listJSON(view, keyShard)
		}
		return listJSON(view, keyShard+req.Namespace+"/")
	case OpListShardRecords:
		return listFramed(view, keyShard)
	case OpListHosts:
		return listJSON(view, keyHost)
	case OpListKeys:
		return listJSON(view, keyAPIKey)
	case OpGetNamespace:
		return namespaceOf(view, req.Namespace)
	case OpGetQuota:
		return getQuota(view, req.Namespace)
	case OpGetChallenge:
		return getChallenge(view, req.HostID)
	}
	return nil, fail(ErrInvalidArgument, "unknown meta query %q", req.Op)
}

func putModule(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	if req.Module == nil || req.Module.Hash == "" {
		return nil, fail(ErrInvalidArgument, "put_module needs a module")
	}
	// Every replica checks the bytes against their content address, so
	// that no one can record other bytes under a module's hash.
	if got := wasm.Hash(req.Wasm); got != req.Module.Hash {
		return nil, fail(wasm.ErrHashMismatch, "module %s: its bytes hash to %s: refused", req.Module.Hash, got)
	}
	if req.Module.Size != int64(len(req.Wasm)) {
		return nil, fail(ErrInvalidArgument, "module %s: size %d, but its bytes are %d", req.Module.Hash, req.Module.Size, len(req.Wasm))
	}
	key := moduleKey(req.Namespace, req.Module.Hash)
	if old, ok, err := txn.Get(key); err != nil || ok {
		return old, err
	}
	if err := checkQuota(txn, req.Namespace, Usage{ModuleBytes: moduleCharge(req.Module.Size)}); err != nil {
		return nil, err
	}
	if err := addUsage(txn, req.Namespace, Usage{ModuleBytes: moduleCharge(req.Module.Size)}); err != nil {
		return nil, err
	}
	m := *req.Module
	m.Namespace = req.Namespace
	m.CreateNanos = c.TimeNanos
	if err := txn.Set([]byte(keyWasm+m.Hash), req.Wasm); err != nil {
		return nil, err
	}
	if err := txn.Set([]byte(moduleRefs(m.Hash)+m.Namespace), nil); err != nil {
		return nil, err
	}
	return putJSON(txn, key, m)
}

// deleteModule deletes a namespace's module, and the module's bytes once
// no namespace holds it.
func deleteModule(req Request, txn *store.Txn) ([]byte, error) {
	key := moduleKey(req.Namespace, req.Hash)
	m, ok, err := getRecord[Module](txn, key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fail(ErrModuleNotFound, "module %s not found in namespace %s", req.Hash, req.Namespace)
	}
	shards, err := listShards(txn, keyShard+req.Namespace+"/")
	if err != nil {
		return nil, err
	}
	var users []string
	for _, s := range shards {
		if s.Module == req.Hash {
			users = append(users, s.Name)
		}
	}
	if len(users) > 0 {
		return nil, fail(ErrModuleInUse, "module %s is used by shards %q: delete them first", req.Hash, users)
	}
	if err := addUsage(txn, req.Namespace, Usage{ModuleBytes: -moduleCharge(m.Size)}); err != nil {
		return nil, err
	}
	refs := moduleRefs(req.Hash)
	for _, k := range [][]byte{key, []byte(refs + req.Namespace)} {
		if err := txn.Delete(k); err != nil {
			return nil, err
		}
	}
	if others, err := txn.Scan([]byte(refs), prefixEnd(refs), 1); err != nil || len(others) > 0 {
		return nil, err
	}
	return nil, txn.Delete([]byte(keyWasm + req.Hash))
}

func createShard(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	if !shardName.MatchString(req.Name) {
		return nil, fail(ErrInvalidArgument, "invalid shard name %q: use 1 to 63 lowercase letters, digits and '-', starting with a letter", req.Name)
	}
	if req.Fuel > wasm.MaxFuel {
		return nil, fail(ErrInvalidArgument, "fuel limit %d is over the cluster's cap of %d", req.Fuel, uint64(wasm.MaxFuel))
	}
	if err := req.limits().Check(); err != nil {
		return nil, fail(ErrInvalidArgument, "%v", err)
	}
	if w := req.IdempotencyWindow; w != 0 && (w < time.Second || w > fsm.MaxIdempotencyWindow) {
		return nil, fail(ErrInvalidArgument, "an idempotency window of %s: use 1s to %s (the cap)", w, fsm.MaxIdempotencyWindow)
	}
	key := shardKey(req.Namespace, req.Name)
	if _, ok, err := txn.Get(key); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return nil, fail(ErrShardExists, "shard %q already exists in namespace %s", req.Name, req.Namespace)
	}
	if _, ok, err := txn.Get(moduleKey(req.Namespace, req.Hash)); err != nil || !ok {
		if err != nil {
			return nil, err
		}
		return nil, fail(ErrModuleNotFound, "module %s not found in namespace %s", req.Hash, req.Namespace)
	}
	settings, err := shardSettings(txn, req.Namespace, req.ShardSettings)
	if err != nil {
		return nil, err
	}
	reserve := Usage{Shards: 1, StoredBytes: int64(settings.StoredBytes)}
	if err := checkQuota(txn, req.Namespace, reserve); err != nil {
		return nil, err
	}
	if err := addUsage(txn, req.Namespace, reserve); err != nil {
		return nil, err
	}
	hosts, err := list[Host](txn, keyHost)
	if err != nil {
		return nil, err
	}
	counted, err := readLoad(txn)
	if err != nil {
		return nil, err
	}
	cl := &cluster{now: c.TimeNanos, hosts: hosts, counted: &counted}
	n, err := replicaCount(req.Replicas, len(cl.placeable()), cl.proven())
	if err != nil {
		return nil, err
	}
	id, err := nextShardID(txn)
	if err != nil {
		return nil, err
	}
	s := Shard{Namespace: req.Namespace, Name: req.Name, ID: id, Module: req.Hash, ReplicaCount: n, CreateNanos: c.TimeNanos, Fuel: settings.Fuel,
		WriteBytes: settings.WriteBytes, WriteKeys: settings.WriteKeys, StoredBytes: settings.StoredBytes, IdempotencyWindow: settings.IdempotencyWindow}
	for _, h := range cl.place(n, nil) {
		s.NextReplicaID++
		s.Replicas = append(s.Replicas, Replica{ReplicaID: s.NextReplicaID, HostID: h})
	}
	s.NextReplicaID++
	s.Initial = s.Replicas
	s.Leader = cl.pickLeader(s)
	return saveShard(txn, s)
}

// replicaCount returns how many replicas a new shard gets when asked for
// asked (0: the default) with live placeable hosts, proven of them proven.
// The default depends on live hosts only, so that a host not proven yet
// refuses a shard rather than silently shrinking it.
func replicaCount(asked, live, proven int) (int, error) {
	n := asked
	switch {
	case asked == 0 && live >= 3:
		n = 3
	case asked == 0:
		// Even the default needs a host: with none alive, place would have
		// nothing to choose from.
		n = 1
	case asked != 1 && asked != 3 && asked != MaxReplicas:
		return 0, fail(ErrInvalidArgument, "invalid replica count %d: use 1, 3 or 5", asked)
	}
	if n > live {
		return 0, fail(ErrNotEnoughHosts, "%d replicas need %d live hosts; the cluster has %d", n, n, live)
	}
	if q := quorum(n); proven < q {
		return 0, fail(ErrNotEnoughHosts, "%d replicas need a majority, %d, on live hosts proven to run replicas; the cluster has %d live proven hosts (of %d live hosts)", n, q, proven, live)
	}
	return n, nil
}

func nextShardID(txn *store.Txn) (uint64, error) {
	key := []byte(keyNextShardID)
	b, ok, err := txn.Get(key)
	if err != nil {
		return 0, err
	}
	id := FirstUserShardID
	if ok && len(b) == 8 {
		id = binary.BigEndian.Uint64(b)
	}
	return id, txn.Set(key, binary.BigEndian.AppendUint64(nil, id+1))
}

func deleteShard(req Request, txn *store.Txn) ([]byte, error) {
	key := shardKey(req.Namespace, req.Name)
	s, ok, err := getRecord[Shard](txn, key)
	if err != nil || !ok {
		if err != nil {
			return nil, err
		}
		return nil, fail(ErrShardNotFound, "shard %q not found in namespace %s", req.Name, req.Namespace)
	}
	if err := addUsage(txn, req.Namespace, Usage{Shards: -1, StoredBytes: -int64(s.StoredBytes)}); err != nil {
		return nil, err
	}
	return nil, dropShard(txn, key, s)
}

func putJSON(txn *store.Txn, key []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", key, err)
	}
	return b, txn.Set(key, b)
}

func getJSON(r kv, key []byte, notFound *outcome.Error, format string, args ...any) ([]byte, error) {
	b, ok, err := r.Get(key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fail(notFound, format, args...)
	}
	return b, nil
}

// prefixEnd returns the first key after every key with the prefix.
func prefixEnd(prefix string) []byte {
	b := []byte(prefix)
	b[len(b)-1]++
	return b
}

// getRecord returns the record at key, decoded, and whether it exists.
func getRecord[T any](r kv, key []byte) (T, bool, error) {
	var v T
	b, ok, err := r.Get(key)
	if err != nil || !ok {
		return v, false, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, false, fmt.Errorf("decode %s: %w", key, err)
	}
	return v, true, nil
}

func list[T any](r kv, prefix string) ([]T, error) {
	var out []T
	err := each(r, prefix, func(key, value []byte) error {
		var v T
		if err := json.Unmarshal(value, &v); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// each calls fn with every key under prefix and its value, in order. fn
// must not write under prefix: a transaction's later scans would see it,
// at a point that depends on scanBatch.
func each(r kv, prefix string, fn func(key, value []byte) error) error {
	start, batch := []byte(prefix), scanBatch(prefix)
	for {
		kvs, err := r.Scan(start, prefixEnd(prefix), batch)
		if err != nil {
			return err
		}
		for _, e := range kvs {
			if err := fn(e.Key, e.Value); err != nil {
				return err
			}
		}
		if len(kvs) < batch {
			return nil
		}
		start = append(kvs[len(kvs)-1].Key, 0)
	}
}

// scanBatch is how many entries under prefix each reads with one scan.
// Hosts' records are read one a scan. Each is rewritten at every
// heartbeat of its host (every HeartbeatInterval), and pebble keeps every
// version in its memtable until the memtable fills and flushes, hours
// later on an idle host: stepping from one record to the next steps over
// every older version of the first, while a scan that starts at the next
// record seeks to it past them. Each host's reconciler reads the hosts
// each second, and the heartbeat command at each heartbeat; read in one
// scan, they cost an idle host more the longer it ran.
func scanBatch(prefix string) int {
	if prefix == keyHost {
		return 1
	}
	return 1000
}

// listFramed returns the values under prefix, each as its length (a
// uvarint) then its bytes.
func listFramed(r kv, prefix string) ([]byte, error) {
	var out []byte
	err := each(r, prefix, func(_, value []byte) error {
		out = binary.AppendUvarint(out, uint64(len(value)))
		out = append(out, value...)
		return nil
	})
	return out, err
}

// listJSON returns the values under prefix as a JSON array. The values
// are JSON that putJSON wrote: they are joined as they are, not decoded
// and encoded again, which was most of what the reconciler's listing of
// every shard, every second, cost.
func listJSON(r kv, prefix string) ([]byte, error) {
	out := []byte{'['}
	err := each(r, prefix, func(_, value []byte) error {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, value...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return append(out, ']'), nil
}
