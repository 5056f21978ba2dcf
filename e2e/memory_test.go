package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/access"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// adminClients are the admin's clients of a process under attack.
type adminClients struct {
	modules synodv1connect.ModuleServiceClient
	shards  synodv1connect.ShardServiceClient
	data    synodv1connect.DataServiceClient
}

// adminClients returns the admin's clients.
func (a *attacked) adminClients() adminClients {
	hc := &http.Client{Timeout: 60 * time.Second, Transport: access.Bearer(a.token, &http.Transport{MaxIdleConnsPerHost: 32})}
	return adminClients{
		modules: synodv1connect.NewModuleServiceClient(hc, a.addr),
		shards:  synodv1connect.NewShardServiceClient(hc, a.addr),
		data:    synodv1connect.NewDataServiceClient(hc, a.addr),
	}
}

// TestMemoryReturnsOnDevProcess runs the memory attacks of issue 11 against
// a real `synod dev` process: modules that grow their memory at start-up,
// uploaded again and again, and concurrent queries that each grow their
// instance's memory. After each, once its shards and modules are deleted,
// the process's resident memory must come back to within 20% of what it
// was before.
func TestMemoryReturnsOnDevProcess(t *testing.T) {
	// The default timeouts: the queries take seconds on a busy machine.
	a := startDevProcess(t, nil)
	a.mustServe(t)
	c := a.adminClients()
	start := a.stats(t)
	// The attacks with small memories first: the process then holds what
	// it keeps whatever the memories (the binary's pages that these paths
	// run, the compiler's, Raft's and the stores' own state for as many
	// shards and calls), and the baseline is measured after them.
	startupGrowth(t, a, c, 8, 16)
	concurrentQueries(t, a, c, 24, 16)
	baseline := a.waitSettled(t)
	t.Logf("RSS at start %d MiB; baseline, after the attacks with small memories, %d MiB (%d MiB anonymous)",
		start.rss>>20, baseline.rss>>20, baseline.anon>>20)

	tests := []struct {
		name   string
		attack func(t *testing.T)
	}{
		{name: "modules growing their memory at start-up", attack: func(t *testing.T) { startupGrowth(t, a, c, 8, 959) }},      // 60 MiB with the first page
		{name: "concurrent queries growing their memory", attack: func(t *testing.T) { concurrentQueries(t, a, c, 24, 1600) }}, // 100 MiB each
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.attack(t)
			after := a.waitRSS(t, baseline.rss+baseline.rss/5)
			t.Logf("RSS once its shards and modules are deleted: %d MiB, %d MiB anonymous (baseline %d MiB, %d MiB)",
				after.rss>>20, after.anon>>20, baseline.rss>>20, baseline.anon>>20)
			a.mustServe(t)
		})
	}
}

// startupGrowth uploads n distinct modules whose start-up grows their
// memory to 256 MiB, which are refused, and then n that grow it by pages,
// under the limit, which each run a shard.
func startupGrowth(t *testing.T, a *attacked, c adminClients, n int, pages uint32) {
	t.Helper()
	before := a.stats(t)
	for i := range n {
		_, err := c.modules.UploadModule(t.Context(), connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: memoryGuest(4095, 0, uint32(1000*n+i))}))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Fatalf("upload %d of a module of 256 MiB at start-up: %v, want it refused as invalid", i, err)
		}
		if i == 0 {
			t.Logf("refused: %v", err)
		}
	}
	refused := a.stats(t)
	t.Logf("%d modules of 256 MiB at start-up refused: RSS %d → %d MiB (peak %d MiB)", n, before.rss>>20, refused.rss>>20, refused.hwm>>20)

	startPages := make([]uint32, n)
	for i := range startPages {
		startPages[i] = pages
	}
	c.withShards(t, fmt.Sprintf("startup-%d", n), startPages, 0, func([]string) {
		running := a.stats(t)
		t.Logf("%d shards of modules of %d MiB at start-up, each called: RSS %d MiB (peak %d MiB)", n, (pages+1)>>4, running.rss>>20, running.hwm>>20)
	})
}

// concurrentQueries runs n concurrent stale queries on one shard, each
// growing its instance's memory to 1+pages pages and writing them.
func concurrentQueries(t *testing.T, a *attacked, c adminClients, n int, pages uint32) {
	t.Helper()
	c.withShards(t, fmt.Sprintf("queries-%d", n), []uint32{0}, pages, func(names []string) {
		before := a.stats(t)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := c.data.Query(t.Context(), connect.NewRequest(&synodv1.QueryRequest{
					Shard: names[0], Query: []byte("q"), Consistency: synodv1.Consistency_CONSISTENCY_STALE,
				}))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("query: %v", err)
			}
		}
		after := a.stats(t)
		t.Logf("%d concurrent queries of %d MiB each: RSS %d → %d MiB (peak %d MiB)", n, pages>>4, before.rss>>20, after.rss>>20, after.hwm>>20)
	})
}

// withShards uploads a module for each of startPages (see memoryGuest),
// creates a shard of each, calls each once, runs during, and deletes the
// shards and the modules.
func (c adminClients) withShards(t *testing.T, prefix string, startPages []uint32, queryPages uint32, during func(names []string)) {
	t.Helper()
	var names, hashes []string
	for i, pages := range startPages {
		up, err := c.modules.UploadModule(t.Context(), connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: memoryGuest(pages, queryPages, uint32(100_000*len(startPages)+i))}))
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
		hash, name := up.Msg.GetModule().GetHash(), fmt.Sprintf("%s-%d", prefix, i)
		if _, err := c.shards.CreateShard(t.Context(), connect.NewRequest(&synodv1.CreateShardRequest{
			// The cap: a query that grows its memory by 100 MiB pays
			// for every page it asks for (docs/abi.md).
			Name: name, ModuleHash: hash, ReplicaCount: 1, FuelLimit: 1_000_000_000,
		})); err != nil {
			t.Fatalf("create shard %s: %v", name, err)
		}
		names, hashes = append(names, name), append(hashes, hash)
	}
	for _, name := range names {
		c.mustPropose(t, name)
	}
	during(names)
	for i, name := range names {
		if _, err := c.shards.DeleteShard(t.Context(), connect.NewRequest(&synodv1.DeleteShardRequest{Name: name})); err != nil {
			t.Fatalf("delete shard %s: %v", name, err)
		}
		if _, err := c.modules.DeleteModule(t.Context(), connect.NewRequest(&synodv1.DeleteModuleRequest{Hash: hashes[i]})); err != nil {
			t.Fatalf("delete module %s: %v", hashes[i], err)
		}
	}
}

// mustPropose proposes to a new shard until its replica has started and
// answers, with a generous deadline.
func (c adminClients) mustPropose(t *testing.T, shard string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		_, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: shard, Command: []byte("u")}))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("propose to %s: %v", shard, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitRSS waits, with a generous deadline, for the process's resident
// memory to be at most limit, and returns the process's figures then.
func (a *attacked) waitRSS(t *testing.T, limit int64) procStats {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		s := a.stats(t)
		if s.rss <= limit {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("RSS is %d MiB (%d MiB anonymous), still over %d MiB after 3 minutes", s.rss>>20, s.anon>>20, limit>>20)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitSettled waits for the process's resident memory to stop falling (no
// new low for 5 s, within 2 minutes), as Go returns freed memory to the
// system gradually, and returns the process's figures at the low.
func (a *attacked) waitSettled(t *testing.T) procStats {
	t.Helper()
	low, since := a.stats(t), time.Now()
	for deadline := time.Now().Add(2 * time.Minute); time.Since(since) < 5*time.Second && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		if s := a.stats(t); s.rss < low.rss {
			low, since = s, time.Now()
		}
	}
	return low
}

// memoryGuest assembles a module (about 200 bytes) whose _initialize grows
// its memory, one page to start with, by startPages and writes them, and
// whose query grows it to 1+queryPages pages and writes those; its update
// does nothing. tag tells modules apart that are otherwise the same.
func memoryGuest(startPages, queryPages, tag uint32) []byte {
	const (
		i32 = 0x7f
		end = 0x0b
	)
	u := func(v uint32) []byte { return binary.AppendUvarint(nil, uint64(v)) }
	s := func(v uint32) []byte { // signed LEB128 of a non-negative i32
		var b []byte
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if v == 0 && c&0x40 == 0 {
				return append(b, c)
			}
			b = append(b, c|0x80)
		}
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	constI32 := func(v uint32) []byte { return cat([]byte{0x41}, s(v)) }
	// grow grows the memory, one page to start with, to 1+pages pages
	// (by nothing if it is that large already) and fills those pages with
	// ones.
	grow := func(pages uint32) []byte {
		if pages == 0 {
			return nil
		}
		return cat(
			constI32(1+pages), []byte{0x3f, 0x00, 0x6b, 0x40, 0x00, 0x1a}, // memory.size, i32.sub, memory.grow, drop
			constI32(1<<16), constI32(1), constI32(pages<<16), []byte{0xfc, 0x0b, 0x00}, // memory.fill
		)
	}
	vec := func(items ...[]byte) []byte { return cat(u(uint32(len(items))), cat(items...)) }
	section := func(id byte, content []byte) []byte { return cat([]byte{id}, u(uint32(len(content))), content) }
	name := func(s string) []byte { return cat(u(uint32(len(s))), []byte(s)) }
	body := func(instrs ...[]byte) []byte {
		b := cat([]byte{0x00}, cat(instrs...), []byte{end}) // no locals
		return cat(u(uint32(len(b))), b)
	}
	export := func(n string, kind byte, idx uint32) []byte { return cat(name(n), []byte{kind}, u(idx)) }
	return cat(
		[]byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00},
		section(1, vec( // types
			[]byte{0x60, 0x00, 0x01, i32},           // () -> i32
			[]byte{0x60, 0x01, i32, 0x01, i32},      // (i32) -> i32
			[]byte{0x60, 0x02, i32, i32, 0x01, i32}, // (i32, i32) -> i32
			[]byte{0x60, 0x00, 0x00},                // () -> ()
		)),
		section(3, vec([]byte{0}, []byte{1}, []byte{2}, []byte{2}, []byte{3})), // functions
		section(5, vec([]byte{0x00, 0x01})),                                    // memory: 1 page, no maximum
		section(7, vec(
			export("memory", 0x02, 0),
			export("synod_abi_version", 0x00, 0),
			export("synod_alloc", 0x00, 1),
			export("synod_update", 0x00, 2),
			export("synod_query", 0x00, 3),
			export("_initialize", 0x00, 4),
		)),
		section(10, vec(
			body(constI32(1)),
			body(constI32(0)), // every request at address 0: it is overwritten, never read
			body(constI32(0)),
			body(grow(queryPages), constI32(0)),
			body(grow(startPages), constI32(tag), []byte{0x1a}), // drop
		)),
	)
}
