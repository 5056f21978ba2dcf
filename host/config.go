package host

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/synodhq/synod/host/meta"
)

// Config configures a [Host]. Zero values take the defaults documented on
// each field.
type Config struct {
	// ID is the host's id, unique in the cluster and never reused. It is
	// also the host's replica id in the meta shard.
	ID uint64
	// Name is the host's human-readable name; default "host-<ID>".
	Name string
	// DataDir holds everything the host persists: the Raft logs, the state
	// DB and the compilation cache.
	DataDir string
	// RaftAddr is the host:port other hosts reach this host's Raft on.
	RaftAddr string
	// APIAddr is the host:port of this host's internal API, as other
	// processes reach it; recorded in the catalogue by [Host.Register].
	// Empty for a host reached only in process.
	APIAddr string
	// CacheDir holds compiled modules; default DataDir/wasm-cache. Hosts of
	// one machine may share it.
	CacheDir string
	// MetaMembers are the hosts of the initial cluster, host id to Raft
	// address. The 3 with the lowest ids (5, with 5 or more) bootstrap the
	// meta shard as voters, and the others join it. Every host runs a meta
	// replica; the meta leader keeps 3 (or 5) of them voters.
	MetaMembers map[uint64]string
	// Join is set for a host that joins a running cluster, having been
	// given its ID by it: its meta replica starts empty and catches up,
	// rather than bootstrapping from MetaMembers.
	Join bool
	// RaftTLS, if set, makes Raft traffic mutual TLS: the host presents
	// CertFile and accepts only peers whose certificates CAFile signed.
	// Every host of a cluster must set it, or none; default plain TCP.
	// The files are read when the host starts.
	RaftTLS TLSFiles

	// RTTMillisecond is the period of a replica's Raft clock, the unit
	// of ElectionRTT and HeartbeatRTT; default 20. Each tick costs every
	// host some CPU, idle or not.
	RTTMillisecond uint64
	// ElectionRTT is the election timeout in RTTs; default 10 (200 ms).
	ElectionRTT uint64
	// HeartbeatRTT is a data shard's heartbeat interval in RTTs; default
	// 1 (20 ms). The meta shard's leader heartbeats every fifth of an
	// election timeout, if that is longer.
	HeartbeatRTT uint64
	// SnapshotEntries is how many entries a shard applies between
	// snapshots; default 10000.
	SnapshotEntries uint64
	// CompactionOverhead is how many entries are kept in the log behind a
	// snapshot, for slow followers; default 5000.
	CompactionOverhead uint64

	// Watchdog is how long a guest call may run by the wall clock before
	// the replica refuses its outcome and halts; default 30 s. Fuel bounds
	// every call long before that on a healthy machine.
	Watchdog time.Duration
	// GuestMemory is the guest memory this host keeps, in bytes: the
	// images of the modules its replicas run and the linear memories of
	// their instances. Beyond it, idle instances are closed and queries
	// wait for busy ones; default 4 GiB (a sixth of a 24 GiB machine,
	// which leaves the rest to Pebble, Raft and the page cache). See
	// docs/design.md, "Guest memory".
	GuestMemory uint64
	// MaxInstances caps this host's guest instances, idle and busy, of
	// all modules; default 64. A quarter of them is kept for updates:
	// queries beyond the rest wait, updates never do.
	MaxInstances int
	// ShardFuelRate is the fuel a second one shard's calls may burn on
	// this host, in bursts of a fifth of a second's worth; calls beyond
	// it wait their turn (see throttle.go). Default 3e8, what some 15,000
	// kv puts or 12,500 kv gets a second burn. It bounds what one shard may
	// take of a host, and so one hot shard's throughput. Hosts may differ:
	// it admits calls and changes no replicated state.
	ShardFuelRate uint64

	// HibernateAfter is how long a replica of a data shard goes without a
	// call or a Raft message before the host stops it, until the next
	// one (see hibernate.go); default 5 min, and negative never. A
	// replica of a shard that has never applied a command waits at most
	// 10 s.
	HibernateAfter time.Duration

	// Logger receives the host's logs; default slog.Default().
	Logger *slog.Logger
}

// TLSFiles names the PEM files of a process's cluster credentials: the
// cluster CA, and this process's certificate and key, signed by it.
type TLSFiles struct {
	// CAFile is the cluster CA bundle.
	CAFile string
	// CertFile is this process's certificate.
	CertFile string
	// KeyFile is its private key.
	KeyFile string
}

// enabled reports whether any file is set.
func (t TLSFiles) enabled() bool { return t != TLSFiles{} }

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = fmt.Sprintf("host-%d", c.ID)
	}
	if c.CacheDir == "" {
		c.CacheDir = filepath.Join(c.DataDir, "wasm-cache")
	}
	if c.RTTMillisecond == 0 {
		c.RTTMillisecond = 20
	}
	if c.ElectionRTT == 0 {
		c.ElectionRTT = 10
	}
	if c.HeartbeatRTT == 0 {
		c.HeartbeatRTT = 1
	}
	if c.SnapshotEntries == 0 {
		c.SnapshotEntries = 10000
	}
	if c.CompactionOverhead == 0 {
		c.CompactionOverhead = 5000
	}
	if c.HibernateAfter == 0 {
		c.HibernateAfter = defaultHibernateAfter
	}
	if c.ShardFuelRate == 0 {
		c.ShardFuelRate = defaultShardFuelRate
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports the first field that is wrong.
func (c Config) Validate() error {
	switch {
	case c.ID == 0:
		return errors.New("host config: ID must be positive")
	case c.DataDir == "":
		return errors.New("host config: DataDir is required")
	case c.RaftAddr == "":
		return errors.New("host config: RaftAddr is required")
	case !c.Join && c.MetaMembers[c.ID] == "":
		return fmt.Errorf("host config: host %d is not in MetaMembers, and Join is not set", c.ID)
	case c.RaftTLS.enabled() && (c.RaftTLS.CAFile == "" || c.RaftTLS.CertFile == "" || c.RaftTLS.KeyFile == ""):
		return errors.New("host config: RaftTLS needs CAFile, CertFile and KeyFile, or none of them")
	case c.MaxInstances < 0:
		return fmt.Errorf("host config: MaxInstances (%d) must not be negative", c.MaxInstances)
	case c.HeartbeatRTT != 0 && c.ElectionRTT != 0 && c.ElectionRTT <= 2*c.HeartbeatRTT:
		return fmt.Errorf("host config: ElectionRTT (%d) must be more than twice HeartbeatRTT (%d)", c.ElectionRTT, c.HeartbeatRTT)
	}
	for id, addr := range c.MetaMembers {
		if id == 0 || addr == "" {
			return fmt.Errorf("host config: MetaMembers has an invalid entry %d=%q", id, addr)
		}
	}
	return nil
}

// idFloor returns the highest id of the initial cluster this host knows.
func (c Config) idFloor() uint64 {
	var floor uint64
	for id := range c.MetaMembers {
		floor = max(floor, id)
	}
	return floor
}

// tick returns the period of a replica's Raft clock: one RTT.
func (c Config) tick() time.Duration { return time.Duration(c.RTTMillisecond) * time.Millisecond }

// heartbeatRTT returns a shard's heartbeat interval in RTTs. The meta
// shard's leader heartbeats every fifth of an election timeout (40 ms by
// default), not every HeartbeatRTT (20 ms): it never quiesces (hosts'
// heartbeats keep it busy), and its heartbeats, a write system call and
// a wake-up on two hosts each, were half of what an idle host did. Its
// followers still hear five heartbeats an election timeout (etcd's
// defaults give ten, Dragonboat advises ten), and the election timeout is
// a data shard's, so that a call waiting for the catalogue's leader (a
// gateway looking for a shard's leader asks it) waits as long; PreVote
// keeps a follower that missed them from deposing a leader the others
// hear.
func (c Config) heartbeatRTT(shardID uint64) uint64 {
	if shardID == meta.ShardID {
		return max(c.HeartbeatRTT, c.ElectionRTT/5)
	}
	return c.HeartbeatRTT
}
