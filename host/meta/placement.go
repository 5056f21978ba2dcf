package meta

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
)

// cluster is the catalogue's hosts and shards as one command sees them,
// at the command's time: everything placement decides from. Every replica
// decides the same, since the time is the entry's, not the clock's.
// Creating a shard reads the placement load instead of every shard
// (counted is set, shards nil); the commands that change existing shards
// read them all.
type cluster struct {
	now     int64
	hosts   []Host
	shards  []Shard
	counted *placementLoad
}

func loadCluster(c fsm.Call, txn *store.Txn) (*cluster, error) {
	hosts, err := list[Host](txn, keyHost)
	if err != nil {
		return nil, err
	}
	return withShards(c, txn, hosts)
}

// withShards reads every shard of the catalogue into a cluster of hosts.
func withShards(c fsm.Call, txn *store.Txn, hosts []Host) (*cluster, error) {
	shards, err := listShards(txn, keyShard)
	if err != nil {
		return nil, err
	}
	return &cluster{now: c.TimeNanos, hosts: hosts, shards: shards}, nil
}

// placeable returns the hosts new replicas may go on.
func (cl *cluster) placeable() []Host {
	var out []Host
	for _, h := range cl.hosts {
		if h.Placeable(cl.now) {
			out = append(out, h)
		}
	}
	return out
}

// host returns the host with the given name, which must not be removed.
func (cl *cluster) host(name string) (Host, error) {
	for _, h := range cl.hosts {
		if h.Name != name {
			continue
		}
		if h.State == HostRemoved {
			return Host{}, fail(ErrHostRemoved, "host %s was removed from the cluster", name)
		}
		return h, nil
	}
	return Host{}, fail(ErrHostNotFound, "host %s not found", name)
}

// load counts the replicas and preferred leaders on each host.
func (cl *cluster) load() (replicas, leaders map[uint64]int) {
	if cl.counted != nil {
		return cl.counted.Replicas, cl.counted.Leaders
	}
	l := loadOf(cl.shards)
	return l.Replicas, l.Leaders
}

// proven counts the hosts that are placeable and proven.
func (cl *cluster) proven() int {
	n := 0
	for _, h := range cl.placeable() {
		if h.Proven(cl.now) {
			n++
		}
	}
	return n
}

// quorum is the majority of n replicas.
func quorum(n int) int { return n/2 + 1 }

// place picks n distinct placeable hosts not in exclude: the least loaded
// first, ties broken by host id, so replicas spread evenly, but at most
// n - quorum(n) of them unproven, so that a majority of what it places
// is on hosts that have shown they run replicas (see [Host.Proven]). One
// replica added to a running shard is its own majority: it goes only on
// a proven host. It returns fewer when there are not enough.
func (cl *cluster) place(n int, exclude []uint64) []uint64 {
	load, _ := cl.load()
	var cands []Host
	for _, h := range cl.placeable() {
		if !slices.Contains(exclude, h.ID) {
			cands = append(cands, h)
		}
	}
	slices.SortFunc(cands, func(a, b Host) int {
		return cmp.Or(cmp.Compare(load[a.ID], load[b.ID]), cmp.Compare(a.ID, b.ID))
	})
	var ids []uint64
	unproven := 0
	for _, h := range cands {
		if len(ids) == n {
			break
		}
		if !h.Proven(cl.now) {
			if unproven == n-quorum(n) {
				continue
			}
			unproven++
		}
		ids = append(ids, h.ID)
	}
	return ids
}

// pickLeader returns the replica of s whose host prefers the fewest
// shards, so leaders spread as replicas do.
func (cl *cluster) pickLeader(s Shard) uint64 {
	_, leaders := cl.load()
	best := s.Replicas[0]
	for _, r := range s.Replicas[1:] {
		if leaders[r.HostID] < leaders[best.HostID] {
			best = r
		}
	}
	return best.ReplicaID
}

// moveReplica replaces the replica of s on host from with a new, joining
// replica on host to (or, when to is 0, on the least loaded placeable host
// that has none). With no host to move to, a lenient move just drops the
// replica, leaving the shard short until [cluster.repair] finds a host; a
// strict one fails. The only replica of a shard cannot leave a dead host:
// nothing could copy it.
func (cl *cluster) moveReplica(s *Shard, from, to uint64, strict bool) error {
	old, i := s.replicaOn(from)
	if i < 0 {
		return fail(ErrReplicaNotFound, "shard %q has no replica on host %d", s.Name, from)
	}
	if to == 0 {
		picked := cl.place(1, hostsOf(*s))
		switch {
		case len(picked) > 0:
			to = picked[0]
		case strict:
			return fail(ErrNotEnoughHosts, "shard %q: no live, proven host without a replica of it to move its replica on host %d to", s.Name, from)
		}
	}
	if len(s.Replicas) == 1 && (to == 0 || !cl.alive(from)) {
		return fail(ErrHostInUse, "shard %q has its only replica on host %d, which is dead or has nowhere to move it: removing it would lose the shard (delete the shard, or bring the host back)", s.Name, from)
	}
	// Drop first, so that a shard of the most replicas can still move.
	s.drop(i)
	if to != 0 {
		if err := cl.addReplica(s, to); err != nil {
			return err
		}
	}
	if s.Leader == old.ReplicaID {
		s.Leader = cl.pickLeader(*s)
	}
	return nil
}

// alive reports whether a host is alive at the command's time.
func (cl *cluster) alive(id uint64) bool {
	i := slices.IndexFunc(cl.hosts, func(h Host) bool { return h.ID == id })
	return i >= 0 && cl.hosts[i].Alive(cl.now)
}

// drop moves the i-th replica to Leaving.
func (s *Shard) drop(i int) {
	s.Leaving = append(s.Leaving, s.Replicas[i])
	s.Replicas = slices.Delete(s.Replicas, i, i+1)
}

// addReplica adds a joining replica of s on host to.
func (cl *cluster) addReplica(s *Shard, to uint64) error {
	if _, i := s.replicaOn(to); i >= 0 {
		return fail(ErrReplicaExists, "shard %q already has a replica on host %d", s.Name, to)
	}
	for _, r := range s.Leaving {
		if r.HostID == to {
			return fail(ErrReplicaExists, "shard %q has a replica still leaving host %d: try again once it has left", s.Name, to)
		}
	}
	if len(s.Replicas) >= MaxReplicas {
		return fail(ErrInvalidArgument, "shard %q already has %d replicas, the most a shard may have", s.Name, MaxReplicas)
	}
	if s.NextReplicaID == 0 {
		// Shards created before replica ids were counted got 1..n.
		s.NextReplicaID = uint64(len(s.InitialMembers())) + 1
	}
	s.Replicas = append(s.Replicas, Replica{ReplicaID: s.NextReplicaID, HostID: to, Joined: true, Learning: true})
	s.NextReplicaID++
	return nil
}

// evacuate moves every replica off a host (see moveReplica for strict).
func (cl *cluster) evacuate(txn *store.Txn, hostID uint64, strict bool) error {
	for i := range cl.shards {
		s := &cl.shards[i]
		if _, j := s.replicaOn(hostID); j < 0 {
			continue
		}
		if err := cl.moveReplica(s, hostID, 0, strict); err != nil {
			return err
		}
		if _, err := saveShard(txn, *s); err != nil {
			return err
		}
	}
	return nil
}

// repair gives every shard that has fewer replicas than it should a new
// replica on a placeable, proven host, where there is one.
func (cl *cluster) repair(txn *store.Txn) error {
	for i := range cl.shards {
		s := &cl.shards[i]
		changed := false
		for len(s.Replicas) < s.ReplicaCount {
			picked := cl.place(1, hostsOf(*s))
			if len(picked) == 0 {
				break
			}
			if err := cl.addReplica(s, picked[0]); err != nil {
				return err
			}
			changed = true
		}
		if changed {
			if _, err := saveShard(txn, *s); err != nil {
				return err
			}
		}
	}
	return nil
}

// placementLoad counts, per host id, the replicas the catalogue places on
// the host (leaving ones aside) and the shards whose preferred leader is
// one of them: what placing a new shard decides from. Every write of a
// shard's record adjusts it (see saveShard and dropShard), so that
// creating a shard reads one record, not every shard's: reading them all
// made creating a shard cost each meta replica time that grew with the
// shards (12% of a host's CPU while the 2,500th shard was created, 8 at
// a time), and the cluster a time to create n shards that grew as n².
// The record is replicated state, written by every replica alike; a
// count that reaches zero leaves the map, so that the record is what
// counting every shard's record would give.
type placementLoad struct {
	Replicas map[uint64]int `json:"replicas,omitempty"`
	Leaders  map[uint64]int `json:"leaders,omitempty"`
}

// loadOf counts the placement load of shards.
func loadOf(shards []Shard) placementLoad {
	l := placementLoad{Replicas: make(map[uint64]int), Leaders: make(map[uint64]int)}
	for _, s := range shards {
		l.count(s, 1)
	}
	return l
}

// count adds n times what s places on its hosts.
func (l *placementLoad) count(s Shard, n int) {
	for _, r := range s.Replicas {
		bump(l.Replicas, r.HostID, n)
		if r.ReplicaID == s.Leader {
			bump(l.Leaders, r.HostID, n)
		}
	}
}

// bump adds n to m[k], dropping the entry once it is zero.
func bump(m map[uint64]int, k uint64, n int) {
	if m[k] += n; m[k] == 0 {
		delete(m, k)
	}
}

// readLoad returns the catalogue's placement load. A catalogue written
// before the record was kept has none: it is then counted from every
// shard's record, as every replica counts it alike.
func readLoad(txn *store.Txn) (placementLoad, error) {
	l, ok, err := getRecord[placementLoad](txn, []byte(keyPlacementLoad))
	if err != nil {
		return placementLoad{}, err
	}
	if !ok {
		shards, err := listShards(txn, keyShard)
		if err != nil {
			return placementLoad{}, err
		}
		return loadOf(shards), nil
	}
	if l.Replicas == nil {
		l.Replicas = make(map[uint64]int)
	}
	if l.Leaders == nil {
		l.Leaders = make(map[uint64]int)
	}
	return l, nil
}

// saveShard writes the record of s, and the placement load by what it
// changes from the record it replaces. It returns the record.
func saveShard(txn *store.Txn, s Shard) ([]byte, error) {
	key := shardKey(s.Namespace, s.Name)
	old, had, err := getRecord[Shard](txn, key)
	if err != nil {
		return nil, err
	}
	l, err := readLoad(txn) // before the write: it may count every record
	if err != nil {
		return nil, err
	}
	if had {
		l.count(old, -1)
	}
	l.count(s, 1)
	if _, err := putJSON(txn, []byte(keyPlacementLoad), l); err != nil {
		return nil, err
	}
	return putJSON(txn, key, s)
}

// dropShard deletes the record of s at key, and takes s from the
// placement load.
func dropShard(txn *store.Txn, key []byte, s Shard) error {
	l, err := readLoad(txn)
	if err != nil {
		return err
	}
	l.count(s, -1)
	if _, err := putJSON(txn, []byte(keyPlacementLoad), l); err != nil {
		return err
	}
	return txn.Delete(key)
}

// hostsOf returns the hosts that run a replica of s, leaving ones included:
// a host can run one replica of a shard at a time.
func hostsOf(s Shard) []uint64 {
	out := make([]uint64, 0, len(s.Replicas)+len(s.Leaving))
	for _, r := range slices.Concat(s.Replicas, s.Leaving) {
		out = append(out, r.HostID)
	}
	return out
}

func hostKey(id uint64) []byte {
	return fmt.Appendf(nil, "%s%020d", keyHost, id)
}
