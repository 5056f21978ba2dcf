package host

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
)

// reconcileInterval is how often a host re-reads the catalogue even when
// nothing poked it.
const reconcileInterval = time.Second

// controller keeps this host in line with the catalogue: it reconciles
// the replicas it runs with those placed here, steers the membership and
// leadership of the shards it leads, heartbeats, and has led shards
// verified. It runs on two goroutines of its own (reconcile and
// heartbeat loops) and acts through the replica set and the data plane.
type controller struct {
	cfg      Config
	nh       *dragonboat.NodeHost
	rt       *wasm.Runtime
	data     *dataPlane
	replicas *replicaSet
	life     *lifetime

	// catalogue is this host's meta replica's executor, set before the
	// loops start: it counts the writes to shards' records.
	catalogue *meta.Executor

	wake chan struct{}
	quit chan struct{}
	done chan struct{}

	// removed is set once the catalogue says this host was removed from
	// the cluster: it then runs no user replicas. gone is closed then.
	removed atomic.Bool
	gone    chan struct{}

	mu            sync.Mutex
	lastTransfers map[uint64]time.Time // when a shard's leadership was last asked to move
	inLine        map[uint64]inLine    // shards found in line with the catalogue
	lastVerify    map[uint64]time.Time // when this host last had each shard verified (see verifyDue)
	challenged    map[uint64]time.Time // on the meta leader: when it last challenged each host
	answered      string               // the last challenge nonce this host answered
	badModules    map[string]bool      // module hashes whose bytes were found not to match, already logged
	leaving       map[uint64]time.Time // hosts that said they are about to stop, and when (see Host.PeerLeaving)

	// The reconcile loop's alone: the shard list it last read, what it
	// keeps from one pass to the next, and the generation of the list its
	// last sweep of stale replicas found clean, and when.
	listed shardList
	pass   passState
	stale  struct {
		gen uint64
		at  time.Time
	}
}

func newController(cfg Config, nh *dragonboat.NodeHost, rt *wasm.Runtime, data *dataPlane, replicas *replicaSet, life *lifetime) *controller {
	return &controller{
		cfg: cfg, nh: nh, rt: rt, data: data, replicas: replicas, life: life,
		wake:          make(chan struct{}, 1),
		gone:          make(chan struct{}),
		quit:          make(chan struct{}),
		done:          make(chan struct{}),
		lastTransfers: make(map[uint64]time.Time),
		inLine:        make(map[uint64]inLine),
		lastVerify:    make(map[uint64]time.Time),
		challenged:    make(map[uint64]time.Time),
		badModules:    make(map[string]bool),
		leaving:       make(map[uint64]time.Time),
	}
}

// start starts the reconcile and heartbeat loops.
func (c *controller) start() {
	go c.reconcileLoop()
	go c.heartbeatLoop()
}

// stop ends the loops and waits for the reconciler to finish its pass.
func (c *controller) stop() {
	close(c.quit)
	<-c.done
}

// markRemoved records that the catalogue says this host was removed from
// the cluster, however this host heard it (a refused heartbeat, or its own
// meta replica's copy of the catalogue): the first time, it logs so,
// closes gone and has the reconciler stop the user replicas.
func (c *controller) markRemoved() {
	if c.removed.Swap(true) {
		return
	}
	c.cfg.Logger.Error("this host was removed from the cluster: it stops its replicas and shuts down",
		"host", c.cfg.Name, "id", c.cfg.ID)
	close(c.gone)
	c.poke()
}

// poke asks the reconciler to run soon. It never blocks.
func (c *controller) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// forget drops what the controller keeps about a shard whose replica
// stopped.
func (c *controller) forget(shardID uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.lastVerify, shardID)
	delete(c.inLine, shardID)
	delete(c.lastTransfers, shardID)
}

// stopContext returns a context that ends when the controller stops.
func (c *controller) stopContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-c.quit:
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx, cancel
}

func (c *controller) reconcileLoop() {
	defer close(c.done)
	ctx, cancel := c.stopContext()
	defer cancel()
	tick := time.NewTicker(reconcileInterval)
	defer tick.Stop()
	for {
		if err := c.reconcile(ctx); err != nil && ctx.Err() == nil {
			c.cfg.Logger.Debug("reconcile", "host", c.cfg.Name, "err", err)
		}
		select {
		case <-c.quit:
			return
		case <-c.wake:
		case <-tick.C:
		}
	}
}

// localCatalogue reads the catalogue from this host's own meta replica.
func (c *controller) localCatalogue(ctx context.Context, req meta.Request, out any) error {
	b, err := c.data.localCatalogue(ctx, req)
	if err != nil {
		return err
	}
	return meta.Decode(b, out)
}

// checkRemovedOnDisk marks this host removed if the catalogue its meta
// replica last applied, read from the state DB rather than through the
// replica, says so. It is for a host whose meta replica no longer runs:
// the meta leader deletes a host's member only once the catalogue says the
// host is removed (see steer.NextMeta), and a replica that applies its own
// deletion stops. A removed host exits as soon as it learns of its
// removal, often before the leader deletes its member: started again, it
// applies the deletion (from its own log, or as the leader catches it up)
// and its meta replica may stop before its controller has read the
// catalogue through it.
func (c *controller) checkRemovedOnDisk(ctx context.Context) {
	view := c.replicas.db.View(meta.ShardID)
	defer view.Close()
	res, err := c.catalogue.Query(ctx, fsm.Call{ShardID: meta.ShardID}, meta.Request{Op: meta.OpListHosts}.Encode(), view)
	var hosts []meta.Host
	if err == nil {
		err = meta.Decode(res.Data, &hosts)
	}
	if err != nil {
		c.cfg.Logger.Warn("read the catalogue this host's meta replica last applied", "host", c.cfg.Name, "err", err)
		return
	}
	for _, h := range hosts {
		if h.ID == c.cfg.ID && h.State == meta.HostRemoved {
			c.markRemoved()
		}
	}
}
