package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/synodhq/synod/host/meta"
)

// reconcile brings this host in line with the catalogue, as read from its
// own meta replica: it starts the replicas placed here and stops those no
// longer placed here, reports joined replicas that have caught up, and,
// for each shard whose replica here leads, changes the shard's membership
// and leadership towards what the catalogue says. It also answers this
// host's proof challenge and, on the meta leader, challenges hosts.
//
// A pass looks at every shard only now and then (see passState.whole);
// otherwise it looks only at the shards the last pass did not find
// settled (see reconcileShard), at those whose replica here woke since,
// and at those whose record changed: it has nothing to do for a settled
// shard until its record changes or its replica wakes. An idle host of ten
// thousand shards spent most of its time looking at them, and a busy one,
// at each shard created.
func (c *controller) reconcile(ctx context.Context) error {
	list, err := c.listShards(ctx)
	if errors.Is(err, ErrNotReplica) {
		c.checkRemovedOnDisk(ctx)
	}
	if err != nil {
		return err
	}
	var hosts []meta.Host
	if err := c.localCatalogue(ctx, meta.Request{Op: meta.OpListHosts}, &hosts); err != nil {
		return err
	}
	byID := make(map[uint64]meta.Host, len(hosts))
	for _, hi := range hosts {
		byID[hi.ID] = hi
	}
	if byID[c.cfg.ID].State == meta.HostRemoved {
		// Its meta replica may leave the group before a heartbeat is
		// refused, and would then never hear of it otherwise.
		c.markRemoved()
	}
	now := time.Now()
	woken := c.replicas.takeWoken()
	whole := c.pass.whole(list.gen, now)
	// drops are the removals of replicas whose shard a pass that is not
	// whole might not look at again: if one fails, the next pass is whole.
	var (
		visit       []meta.Shard
		errs, drops []error
	)
	if whole {
		c.pass.at = now
		visit = list.all()
	} else {
		var deleted []uint64
		visit, deleted = c.pass.unsettled(list, woken)
		for _, id := range deleted {
			if rid, ok := c.replicas.replicaOf(id); ok {
				drops = append(drops, c.removeIfDropped(id, rid, list))
			}
		}
	}
	c.pass.gen = list.gen
	unsettled := make(map[uint64]struct{})
	for _, s := range visit {
		// A shard that fails stays unsettled: the next pass tries again.
		settled, err := c.reconcileShard(ctx, s, byID)
		if err != nil {
			errs = append(errs, fmt.Errorf("shard %s: %w", s.Name, err))
		}
		if !settled {
			unsettled[s.ID] = struct{}{}
		}
		if !whole {
			if rid, ok := c.replicas.replicaOf(s.ID); ok {
				errs = append(errs, c.removeIfDropped(s.ID, rid, list))
			}
		}
	}
	c.pass.unsettledIDs = unsettled
	if whole {
		for _, s := range c.replicas.list() {
			drops = append(drops, c.removeIfDropped(s.ID, s.ReplicaOn(c.cfg.ID), list))
		}
	}
	dropped := errors.Join(drops...)
	c.pass.failed = dropped != nil
	errs = append(errs, dropped)
	if c.stale.gen != list.gen && now.Sub(c.stale.at) >= fullPassEvery {
		// A replica's mark goes stale only when its shard's entry changes;
		// and the sweep lists every mark, one a replica: so at most once
		// every fullPassEvery, not at each shard created.
		c.stale.at = now
		if err := c.removeStale(list); err != nil {
			errs = append(errs, err)
		} else {
			c.stale.gen = list.gen
		}
	}
	if c.data.leads(meta.ShardID) {
		if err := c.verifyNow(ctx, meta.ShardID); err != nil {
			errs = append(errs, fmt.Errorf("verify meta shard: %w", err))
		}
	}
	if err := c.steerMeta(ctx, byID); err != nil {
		errs = append(errs, fmt.Errorf("meta shard: %w", err))
	}
	if err := c.challengeHosts(ctx, byID); err != nil {
		errs = append(errs, err)
	}
	if err := c.answerChallenge(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// fullPassEvery is how often the reconciler looks at every shard, even
// those whose replica here hibernates while nothing changed.
const fullPassEvery = 30 * time.Second

// passState is what the reconciler keeps from one pass to the next: the
// generation of the shard list the last pass looked at, when the last
// whole pass was, whether the last pass failed to remove a replica, and
// the shards it did not find settled (see reconcileShard).
type passState struct {
	gen          uint64
	at           time.Time
	failed       bool
	unsettledIDs map[uint64]struct{}
}

// whole reports whether a pass over the list of generation gen, at now,
// looks at every shard: the first pass, a pass after one that failed to
// remove a replica, one every fullPassEvery, and one that missed a
// generation of the list (whose changed shards it does not know).
func (p *passState) whole(gen uint64, now time.Time) bool {
	return p.at.IsZero() || p.failed || now.Sub(p.at) >= fullPassEvery || gen != p.gen && gen != p.gen+1
}

// unsettled returns, in order of id, the shards of list that a pass that
// is not whole looks at: those the last pass did not find settled, those
// of the woken replicas and, if list is the generation after the last
// pass's, those whose record changed; and the ids of the changed shards
// that list no longer holds.
func (p *passState) unsettled(list *shardList, woken map[uint64]struct{}) (visit []meta.Shard, deleted []uint64) {
	next := list.gen == p.gen+1
	ids := make(map[uint64]struct{}, len(p.unsettledIDs)+len(woken))
	maps.Copy(ids, p.unsettledIDs)
	maps.Copy(ids, woken)
	if next {
		maps.Copy(ids, list.changed)
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		if s, ok := list.shard(id); ok {
			visit = append(visit, s)
		} else if _, changed := list.changed[id]; next && changed {
			deleted = append(deleted, id)
		}
	}
	return visit, deleted
}

// removeIfDropped stops and removes this host's replica of a shard if the
// listed shards no longer keep it.
func (c *controller) removeIfDropped(shardID, replicaID uint64, list *shardList) error {
	now, exists := list.shard(shardID)
	if exists && now.Keeps(c.cfg.ID, replicaID) {
		return nil
	}
	if exists && c.data.leads(shardID) {
		// Moved away: it hands leadership over first (see steer). A
		// deleted shard's replicas all go, its leader too: a shard of
		// one replica has no one to hand over to.
		return nil
	}
	return c.replicas.remove(shardID, replicaID)
}

// listShards returns every shard of the catalogue, from this host's meta
// replica. It reads again only the records written since it last read
// (see meta.Executor.ShardWritesSince), and every record only when the
// meta replica no longer knows which were written, or relistAfter has
// passed: reading and decoding every shard's record was most of what an
// idle host did every second, and, at each shard created, what made
// creating n shards cost each host time that grew as n². The list it
// returns is kept from one pass to the next, and must not be changed.
func (c *controller) listShards(ctx context.Context) (*shardList, error) {
	// Read before the records, so that a write applied meanwhile is read
	// again at the next pass.
	writes := c.catalogue.ShardWrites()
	fresh := c.listed.gen > 0 && time.Since(c.listed.read) < relistAfter
	if fresh && writes == c.listed.writes {
		return &c.listed, nil
	}
	if fresh {
		if keys, now, ok := c.catalogue.ShardWritesSince(c.listed.writes); ok {
			return &c.listed, c.relist(keys, now)
		}
	}
	raw, err := c.data.localCatalogue(ctx, meta.Request{Op: meta.OpListShardRecords})
	if err != nil {
		return nil, err
	}
	if c.listed.gen > 0 && c.listed.raw != nil && bytes.Equal(raw, c.listed.raw) {
		c.listed.writes, c.listed.read = writes, time.Now()
		return &c.listed, nil
	}
	shards, records, err := meta.DecodeShards(raw)
	if err != nil {
		return nil, err
	}
	next := shardList{
		raw: raw, gen: c.listed.gen + 1, writes: writes, read: time.Now(),
		byID:    make(map[uint64]listedShard, len(shards)),
		ids:     make(map[string]uint64, len(shards)),
		changed: make(map[uint64]struct{}),
	}
	for i, s := range shards {
		next.byID[s.ID], next.ids[meta.ShardRecordKey(s)] = listedShard{shard: s, record: records[i]}, s.ID
		if old, ok := c.listed.byID[s.ID]; !ok || !bytes.Equal(old.record, records[i]) {
			next.changed[s.ID] = struct{}{}
		}
	}
	for id := range c.listed.byID {
		if _, ok := next.byID[id]; !ok {
			next.changed[id] = struct{}{}
		}
	}
	if c.listed.gen > 0 && len(next.changed) == 0 {
		c.listed.raw, c.listed.writes, c.listed.read = raw, writes, next.read
		return &c.listed, nil
	}
	c.listed = next
	return &c.listed, nil
}

// relist brings the list up to date with the records of keys, the shards
// written since it was read, which the meta replica's count of shard
// writes puts at now. The list's generation moves on if a record
// changed.
func (c *controller) relist(keys []string, now uint64) error {
	// Every record is read and decoded before the list changes: a
	// failure leaves it as it was, to be read again at the next pass.
	type read struct {
		key string
		ok  bool // the record exists
		listedShard
	}
	reads := make([]read, 0, len(keys))
	view := c.replicas.db.View(meta.ShardID)
	defer view.Close()
	for _, k := range keys {
		r := read{key: k}
		var err error
		if r.record, r.ok, err = meta.ShardRecord(view, k); err != nil {
			return fmt.Errorf("read the record at %q: %w", k, err)
		}
		if r.ok {
			if r.shard, err = meta.DecodeShardRecord(r.record); err != nil {
				return fmt.Errorf("decode the record at %q: %w", k, err)
			}
		}
		reads = append(reads, r)
	}
	l := &c.listed
	changed := make(map[uint64]struct{})
	for _, r := range reads {
		old, had := l.ids[r.key]
		if had && r.ok && old == r.shard.ID && bytes.Equal(l.byID[old].record, r.record) {
			continue
		}
		if had {
			delete(l.byID, old)
			delete(l.ids, r.key)
			changed[old] = struct{}{}
		}
		if r.ok {
			l.byID[r.shard.ID], l.ids[r.key] = r.listedShard, r.shard.ID
			changed[r.shard.ID] = struct{}{}
		}
	}
	l.writes = now
	if len(changed) > 0 {
		l.raw, l.sorted, l.changed = nil, nil, changed
		l.gen++
	}
	return nil
}

// relistAfter is how long the reconciler goes on with the list of shards
// it read whole, updated with the records written since. The count of
// writes (meta.Executor.ShardWrites) misses none and moves only once they
// are committed, so the list read again is the same: reading it is a
// backstop, rare because it reads every shard's record (see
// docs/design.md).
const relistAfter = 10 * time.Minute

// shardList is the catalogue's list of shards as the reconciler last read
// it: each shard's entry and record by id, and its id by the record's
// key; its generation, one more each time the list changed, and the
// shards whose record changed (new, changed or deleted) since the
// generation before; the meta replica's count of shard writes it holds,
// and the time it was last read whole, and what it read then (raw, nil
// once a record read since changed).
type shardList struct {
	raw     []byte
	byID    map[uint64]listedShard
	ids     map[string]uint64
	sorted  []meta.Shard
	gen     uint64
	changed map[uint64]struct{}
	writes  uint64
	read    time.Time
}

// listedShard is a shard's entry in the list, and its record.
type listedShard struct {
	shard  meta.Shard
	record []byte
}

// shard returns the listed entry of a shard.
func (l *shardList) shard(id uint64) (meta.Shard, bool) {
	e, ok := l.byID[id]
	return e.shard, ok
}

// all returns every listed shard, in order of id.
func (l *shardList) all() []meta.Shard {
	if l.sorted == nil && len(l.byID) > 0 {
		l.sorted = make([]meta.Shard, 0, len(l.byID))
		for _, id := range slices.Sorted(maps.Keys(l.byID)) {
			l.sorted = append(l.sorted, l.byID[id].shard)
		}
	}
	return l.sorted
}

// reconcileShard starts this host's replica of s if the catalogue places
// one here, lets it hibernate while idle (see hibernate.go), reports it
// once it has caught up, and steers s if it leads. It reports whether s
// is settled here: placed elsewhere, or with a replica here that
// hibernates with s as its entry; there is then nothing to do for it
// until its entry changes or the replica wakes.
func (c *controller) reconcileShard(ctx context.Context, s meta.Shard, hosts map[uint64]meta.Host) (settled bool, err error) {
	rid := s.ReplicaOn(c.cfg.ID)
	running, ok := c.replicas.replicaOf(s.ID)
	switch {
	case rid != 0 && !ok && c.replicas.halting(s.ID):
		return false, nil
	case rid != 0 && !ok && !c.removed.Load():
		mod, err := c.loadModule(ctx, s.Module)
		if err != nil {
			c.reportBadModule(s, err)
			return false, err
		}
		if err := c.replicas.start(s, mod, hosts); err != nil {
			return false, err
		}
		running = rid
	case rid != 0 && ok && running != rid:
		// Moved away and back (which the catalogue allows only once the
		// old replica has left the group): the old one makes way.
		return false, c.replicas.remove(s.ID, running)
	}
	if running == 0 {
		return rid == 0, nil
	}
	if running == rid {
		if asleep, err := c.replicas.rest(ctx, s, c.listed.gen, c.cfg.HibernateAfter); asleep || err != nil {
			return asleep, err
		}
	}
	if r, _ := s.Replica(running); r.Learning && r.HostID == c.cfg.ID {
		if err := c.reportCaughtUp(ctx, s, running); err != nil {
			return false, err
		}
	}
	if !c.data.leads(s.ID) {
		c.wakeIfLeaderGone(s, hosts)
		return false, nil
	}
	if err := c.verifyNow(ctx, s.ID); err != nil {
		return false, fmt.Errorf("verify: %w", err)
	}
	// A shard found in line with its catalogue entry is checked again
	// only when the entry changes or its recheck interval passes, so that
	// idle shards cost no membership reads: a read is a ReadIndex, which
	// would wake a quiesced shard (see raftConfig). One that stayed idle
	// through the longest interval is not checked again until it applies
	// an entry, so that it can hibernate: its membership and leadership
	// change only through entries.
	c.mu.Lock()
	last, ok := c.inLine[s.ID]
	c.mu.Unlock()
	sameRecord := ok && reflect.DeepEqual(last.record, s)
	applied := c.replicas.appliedIndex(s.ID)
	idle := sameRecord && applied == last.applied
	if sameRecord && time.Now().Before(last.until) || idle && last.interval >= maxInLineRecheck {
		return false, nil
	}
	acted, err := c.steer(ctx, s, running, hosts)
	if err == nil && !acted {
		// The interval doubles while the shard stays in line and applies
		// nothing, up to maxInLineRecheck; activity or a change of entry
		// brings it back to inLineRecheck.
		interval := inLineRecheck
		if idle {
			interval = min(2*last.interval, maxInLineRecheck)
		}
		c.mu.Lock()
		c.inLine[s.ID] = inLine{record: s, applied: applied, interval: interval, until: time.Now().Add(interval)}
		c.mu.Unlock()
	}
	return false, err
}

// wakeIfLeaderGone wakes this host's replica of a shard whose leader, as
// the replica knows it, is on a host the catalogue sees dead, or is no
// longer a replica: a quiesced follower would go on believing in it, and
// the shard would stay leaderless (its replicas not replaced, nothing
// steered) until a client came by.
func (c *controller) wakeIfLeaderGone(s meta.Shard, hosts map[uint64]meta.Host) {
	leader, _, valid, err := c.nh.GetLeaderID(s.ID)
	if err != nil || !valid {
		return
	}
	r, ok := s.Replica(leader)
	if h, known := hosts[r.HostID]; ok && known && h.Alive(time.Now().UnixNano()) {
		return
	}
	unquiesce(c.nh, s.ID)
}

// inLineRecheck is how long an active shard found in line with the
// catalogue goes without its membership being read again, unless its
// entry changes; an idle one's interval doubles up to maxInLineRecheck,
// and then it is not read again until it applies an entry. Whatever the
// catalogue asks of a shard (a replica moved, added or removed) changes
// its entry, and is acted on at once.
const (
	inLineRecheck    = 10 * time.Second
	maxInLineRecheck = 2 * time.Minute
)

// inLine records that a shard was found in line with a catalogue entry.
type inLine struct {
	record   meta.Shard
	applied  uint64 // the replica's applied index then
	interval time.Duration
	until    time.Time
}

// removeStale deletes the data of replicas this host does not run (it ran
// them before it restarted, or they halted) whose shard was deleted, or
// which left their group, meanwhile. The local catalogue can be trusted
// for this: it had applied the shard's creation before the replica first
// started, and it only moves forward.
func (c *controller) removeStale(list *shardList) error {
	marked, err := c.replicas.marks.list()
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range marked {
		shardID, replicaID := m[0], m[1]
		if c.replicas.has(shardID) {
			continue
		}
		if s, ok := list.shard(shardID); ok && s.Keeps(c.cfg.ID, replicaID) {
			continue
		}
		if err := c.replicas.remove(shardID, replicaID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
