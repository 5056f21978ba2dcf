package wasm

import "sync"

// budget is a runtime's account of the instances it keeps, idle and busy,
// and of the guest memory they and the modules' images hold: what bounds a
// host's memory however many modules, shards and concurrent calls it has.
// Its decisions (whether a call gets an instance now, later, or a new one,
// and which idle instance is closed) are this host's alone and change no
// call's result: every call starts from its module's image (see image),
// whichever instance runs it.
//
// Rules, which [Module.get] follows:
//   - A call takes an idle instance of its module if there is one.
//   - Otherwise it may create one while the live instances (idle and
//     busy) are under the cap: [Config.MaxInstances] for updates, less a
//     share reserved for updates for queries. A query also waits while
//     the guest memory is over [Config.MemoryBudget] and some instance is
//     busy (and so will be returned).
//   - Otherwise the least recently used idle instance of any module is
//     closed to make room.
//   - Otherwise an update creates an instance anyway, over the cap: an
//     update never waits, so a replica's log never stalls behind queries.
//     Updates are few at a time (each replica applies one at a time), so
//     the overdraft is bounded by the replicas applying at once.
//   - Otherwise a query waits for an instance to be returned or closed, or
//     for its context to end.
type budget struct {
	maxInstances   int
	queryInstances int
	maxBytes       uint64

	mu    sync.Mutex
	live  int    // instances, idle and busy
	idle  int    // of which in a pool
	bytes uint64 // images and instances' linear memories
	clock uint64 // for the instances' last use, in LRU order
	// freed is closed, and replaced, whenever an instance is returned to
	// a pool or closed: what a waiting query waits for.
	freed chan struct{}
}

func newBudget(cfg Config) *budget {
	// A quarter is kept for updates, but never all of a small cap.
	queries := max(1, cfg.MaxInstances-max(1, cfg.MaxInstances/4))
	return &budget{
		maxInstances:   cfg.MaxInstances,
		queryInstances: queries,
		maxBytes:       cfg.MemoryBudget,
		freed:          make(chan struct{}),
	}
}

// admit counts a new instance for entry if the rules allow one now. If
// not, it returns what to wait on before trying again.
func (b *budget) admit(entry Entry) (ok bool, wait <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	limit := b.maxInstances
	if entry == Query {
		limit = b.queryInstances
	}
	busy := b.live - b.idle
	if b.live < limit && (entry == Update || b.bytes < b.maxBytes || busy == 0) {
		b.live++
		return true, nil
	}
	return false, b.freed
}

// overdraw counts a new instance for an update, over the cap.
func (b *budget) overdraw() {
	b.mu.Lock()
	b.live++
	b.mu.Unlock()
}

// closed uncounts an instance that held bytes of linear memory, and
// whether it was idle.
func (b *budget) closed(bytes uint64, idle bool) {
	b.mu.Lock()
	b.live--
	b.bytes -= bytes
	if idle {
		b.idle--
	}
	b.signal()
	b.mu.Unlock()
}

// returned records that an instance went back to a pool, and returns the
// time of its use, for the LRU order.
func (b *budget) returned() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.idle++
	b.clock++
	b.signal()
	return b.clock
}

// taken records that an idle instance was taken out of a pool.
func (b *budget) taken() {
	b.mu.Lock()
	b.idle--
	b.mu.Unlock()
}

// add counts bytes of guest memory (negative to uncount them).
func (b *budget) add(bytes int64) {
	b.mu.Lock()
	b.bytes += uint64(bytes)
	b.mu.Unlock()
}

// over reports whether the guest memory is over the budget.
func (b *budget) over() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bytes > b.maxBytes
}

// overCap reports whether more instances are live than the cap, which
// only updates exceed.
func (b *budget) overCap() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.live > b.maxInstances
}

// signal wakes the waiting queries. b.mu is held.
func (b *budget) signal() {
	close(b.freed)
	b.freed = make(chan struct{})
}

// Usage is what a runtime's instances and images hold (see [Runtime.Usage]).
type Usage struct {
	// Modules is how many modules are loaded.
	Modules int
	// Instances is how many instances are live, idle or busy.
	Instances int
	// Idle is how many of them are idle, in a pool.
	Idle int
	// Bytes is the guest memory counted against [Config.MemoryBudget]:
	// the modules' images and the instances' linear memories.
	Bytes uint64
}

func (b *budget) usage() Usage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return Usage{Instances: b.live, Idle: b.idle, Bytes: b.bytes}
}
