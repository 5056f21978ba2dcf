package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/synodhq/synod/host/meta"
)

// reconcile brings this host in line with the catalogue, as read from its
// own meta replica: it starts the replicas placed here and stops those no
// longer placed here, reports joined replicas that have caught up, and,
// for each shard whose replica here leads, changes the shard's membership
// and leadership towards what the catalogue says. It also answers this
// host's proof challenge and, on the meta leader, challenges hosts.
func (c *controller) reconcile(ctx context.Context) error {
	shards, err := c.listShards(ctx)
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
	listed := make(map[uint64]meta.Shard, len(shards))
	var errs []error
	for _, s := range shards {
		listed[s.ID] = s
		if err := c.reconcileShard(ctx, s, byID); err != nil {
			errs = append(errs, fmt.Errorf("shard %s: %w", s.Name, err))
		}
	}
	for _, s := range c.replicas.list() {
		now, exists := listed[s.ID]
		if exists && now.Keeps(c.cfg.ID, s.ReplicaOn(c.cfg.ID)) {
			continue
		}
		if exists && c.data.leads(s.ID) {
			// Moved away: it hands leadership over first (see steer). A
			// deleted shard's replicas all go, its leader too: a shard of
			// one replica has no one to hand over to.
			continue
		}
		if err := c.replicas.remove(s.ID, s.ReplicaOn(c.cfg.ID)); err != nil {
			errs = append(errs, err)
		}
	}
	if c.staleSwept != c.listed.gen {
		// Once per change of the list: a replica's mark goes stale only
		// when its shard's entry changes.
		if err := c.removeStale(listed); err != nil {
			errs = append(errs, err)
		} else {
			c.staleSwept = c.listed.gen
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

// listShards returns every shard of the catalogue, from this host's meta
// replica. It reads the list again only once the replica has applied a
// write to a shard's record since it last read it (see
// meta.Executor.ShardWrites), or relistAfter has passed, and decodes it
// only when the replica's answer changed: reading and decoding every
// shard's record was most of what an idle host did every second. The
// entries it returns are shared from one pass to the next, and must not
// be changed.
func (c *controller) listShards(ctx context.Context) ([]meta.Shard, error) {
	// Read before the list, so that a write applied meanwhile is read
	// again at the next pass.
	writes := c.catalogue.ShardWrites()
	if c.listed.shards != nil && writes == c.listed.writes && time.Since(c.listed.read) < relistAfter {
		return c.listed.shards, nil
	}
	raw, err := c.data.localCatalogue(ctx, meta.Request{Op: meta.OpListShards, AllNamespaces: true})
	if err != nil {
		return nil, err
	}
	if c.listed.shards != nil && bytes.Equal(raw, c.listed.raw) {
		c.listed.writes, c.listed.read = writes, time.Now()
		return c.listed.shards, nil
	}
	shards, err := meta.DecodeShards(raw)
	if err != nil {
		return nil, err
	}
	c.listed = shardList{raw: raw, shards: shards, gen: c.listed.gen + 1, writes: writes, read: time.Now()}
	return shards, nil
}

// relistAfter is how long the reconciler goes on with the list of shards
// it read, while no write to a shard's record was applied.
const relistAfter = 30 * time.Second

// shardList is the catalogue's list of shards as the reconciler last read
// it, decoded, and its generation: one more each time the list changed;
// and the meta replica's count of shard writes, and the time, when it was
// read.
type shardList struct {
	raw    []byte
	shards []meta.Shard
	gen    uint64
	writes uint64
	read   time.Time
}

// reconcileShard starts this host's replica of s if the catalogue places
// one here, lets it hibernate while idle (see hibernate.go), reports it
// once it has caught up, and steers s if it leads.
func (c *controller) reconcileShard(ctx context.Context, s meta.Shard, hosts map[uint64]meta.Host) error {
	rid := s.ReplicaOn(c.cfg.ID)
	running, ok := c.replicas.replicaOf(s.ID)
	switch {
	case rid != 0 && !ok && c.replicas.halting(s.ID):
		return nil
	case rid != 0 && !ok && !c.removed.Load():
		mod, err := c.loadModule(ctx, s.Module)
		if err != nil {
			c.reportBadModule(s, err)
			return err
		}
		if err := c.replicas.start(s, mod, hosts); err != nil {
			return err
		}
		running = rid
	case rid != 0 && ok && running != rid:
		// Moved away and back (which the catalogue allows only once the
		// old replica has left the group): the old one makes way.
		return c.replicas.remove(s.ID, running)
	}
	if running == 0 {
		return nil
	}
	if running == rid {
		if asleep, err := c.replicas.rest(ctx, s, c.listed.gen, c.cfg.HibernateAfter); asleep || err != nil {
			return err
		}
	}
	if r, _ := s.Replica(running); r.Learning && r.HostID == c.cfg.ID {
		if err := c.reportCaughtUp(ctx, s, running); err != nil {
			return err
		}
	}
	if !c.data.leads(s.ID) {
		c.wakeIfLeaderGone(s, hosts)
		return nil
	}
	if err := c.verifyNow(ctx, s.ID); err != nil {
		return fmt.Errorf("verify: %w", err)
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
		return nil
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
	return err
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

// removeStale deletes the data of replicas this host ran before it
// restarted whose shard was deleted, or which left their group, meanwhile.
// The local catalogue can be trusted for this: it had applied the shard's
// creation before the replica first started, and it only moves forward.
func (c *controller) removeStale(listed map[uint64]meta.Shard) error {
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
		if s, ok := listed[shardID]; ok && s.Keeps(c.cfg.ID, replicaID) {
			continue
		}
		if err := c.replicas.remove(shardID, replicaID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
