package meta_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
)

// catalogue drives the meta executor through the real state machine and
// store, as the meta shard's replicas do.
type catalogue struct {
	t     testing.TB
	db    *store.DB
	sm    *fsm.StateMachine
	exec  *meta.Executor
	index uint64
	stamp int64
	// announced counts the executor's calls of onShardWrites.
	announced int
}

func newCatalogue(t *testing.T) *catalogue {
	t.Helper()
	return newCatalogueWith(t, store.Options{CacheBytes: 1 << 20, MemTableBytes: 1 << 20})
}

// newCatalogueWith is newCatalogue on a store of the given sizes.
func newCatalogueWith(t testing.TB, o store.Options) *catalogue {
	t.Helper()
	db, err := store.Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c := &catalogue{t: t, db: db, stamp: 1000}
	c.exec = meta.NewExecutor(func() { c.announced++ })
	c.sm = fsm.New(meta.ShardID, db, c.exec)
	return c
}

// result is an entry's outcome, as the proposer decodes it.
type result struct {
	out []byte
	err error
}

// apply runs requests as one batch of entries.
func (c *catalogue) apply(reqs ...meta.Request) []result {
	c.t.Helper()
	es := make([]sm.Entry, len(reqs))
	for i, r := range reqs {
		c.index++
		c.stamp++
		es[i] = sm.Entry{Index: c.index, Cmd: fsm.EncodeCommand(c.stamp, fsm.Budget{}, nil, r.Encode())}
	}
	got, err := c.sm.Update(es)
	if err != nil {
		c.t.Fatalf("Update: %v", err)
	}
	if err := meta.CheckPlacementLoad(c.db); err != nil {
		c.t.Errorf("after entries %d to %d: %v", es[0].Index, c.index, err)
	}
	rs := make([]result, len(got))
	for i, e := range got {
		res, err := fsm.DecodeResult(e.Result)
		if res.Index != es[i].Index {
			c.t.Errorf("entry %d: result has index %d", es[i].Index, res.Index)
		}
		rs[i] = result{res.Output, err}
	}
	return rs
}

// do runs one request as its own batch.
func (c *catalogue) do(r meta.Request) result {
	c.t.Helper()
	return c.apply(r)[0]
}

// must runs one request that must succeed and decodes its result into out.
func (c *catalogue) must(r meta.Request, out any) {
	c.t.Helper()
	res := c.do(r)
	if res.err != nil {
		c.t.Fatalf("%s: %v", r.Op, res.err)
	}
	if out != nil {
		if err := meta.Decode(res.out, out); err != nil {
			c.t.Fatal(err)
		}
	}
}

// query runs a query and returns its output and error.
func (c *catalogue) query(r meta.Request) ([]byte, error) {
	c.t.Helper()
	q, err := c.sm.Lookup(&fsm.QueryRequest{Payload: r.Encode()})
	if err != nil {
		c.t.Fatalf("Lookup: %v", err)
	}
	res := q.(*fsm.QueryResult)
	if res.Index != c.index {
		c.t.Errorf("query read at index %d, want the applied index %d", res.Index, c.index)
	}
	return res.Output, res.Err
}

// addHosts registers hosts and proves them, as a real host's first
// heartbeat and the meta leader's challenge do.
func (c *catalogue) addHosts(ids ...uint64) {
	c.t.Helper()
	c.addUnproven(ids...)
	c.prove(ids...)
}

// addUnproven registers hosts by heartbeat alone, as a forged heartbeat
// does.
func (c *catalogue) addUnproven(ids ...uint64) {
	c.t.Helper()
	for _, id := range ids {
		c.must(meta.Request{Op: meta.OpHeartbeat, Host: &meta.Host{ID: id, Name: fmt.Sprint("h", id), RaftAddr: fmt.Sprintf("127.0.0.1:%d", 9000+id)}}, nil)
	}
}

// prove challenges hosts and answers with the nonce, as the meta leader
// and each host's controller do.
func (c *catalogue) prove(ids ...uint64) {
	c.t.Helper()
	for _, id := range ids {
		nonce := fmt.Sprintf("nonce-%d-%d", id, c.index)
		c.must(meta.Request{Op: meta.OpChallengeHost, HostID: id, Nonce: nonce}, nil)
		c.must(meta.Request{Op: meta.OpProveHost, HostID: id, Nonce: nonce}, nil)
	}
}

// Stand-in module bytes (the catalogue does not compile modules) and
// their content addresses.
var (
	wasmM1 = []byte("wasm m1")
	wasmM2 = []byte("wasm m2")
	m1     = wasm.Hash(wasmM1)
	m2     = wasm.Hash(wasmM2)
)

// putModule returns the request that records one of the stand-in modules.
func putModule(hash string) meta.Request {
	bin := map[string][]byte{m1: wasmM1, m2: wasmM2}[hash]
	return meta.Request{Op: meta.OpPutModule, Module: &meta.Module{Hash: hash, Size: int64(len(bin)), ABIVersion: 1}, Wasm: bin}
}

func (c *catalogue) addModule(hash string) {
	c.t.Helper()
	c.must(putModule(hash), nil)
}

func (c *catalogue) createShard(name, module string, replicas int) (meta.Shard, error) {
	c.t.Helper()
	return c.createShardIn("", name, module, meta.ShardSettings{Replicas: replicas})
}

// createShardIn creates a shard in a namespace with the given settings,
// and returns the shard as recorded.
func (c *catalogue) createShardIn(ns, name, module string, settings meta.ShardSettings) (meta.Shard, error) {
	c.t.Helper()
	res := c.do(meta.Request{Op: meta.OpCreateShard, Namespace: ns, Name: name, Hash: module, ShardSettings: settings})
	var s meta.Shard
	if res.err == nil {
		if err := meta.Decode(res.out, &s); err != nil {
			c.t.Fatal(err)
		}
	}
	return s, res.err
}

func (c *catalogue) shards() []meta.Shard {
	c.t.Helper()
	out, err := c.query(meta.Request{Op: meta.OpListShards})
	if err != nil {
		c.t.Fatal(err)
	}
	var ss []meta.Shard
	if err := meta.Decode(out, &ss); err != nil {
		c.t.Fatal(err)
	}
	return ss
}

func TestShardNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		shard string
		valid bool
	}{
		{name: "one letter", shard: "a", valid: true},
		{name: "letters, digits and dashes", shard: "orders-2024-eu", valid: true},
		{name: "63 characters", shard: "a" + strings.Repeat("b", 62), valid: true},
		{name: "64 characters", shard: "a" + strings.Repeat("b", 63)},
		{name: "empty", shard: ""},
		{name: "upper case", shard: "Orders"},
		{name: "leading digit", shard: "1a"},
		{name: "leading dash", shard: "-a"},
		{name: "underscore", shard: "a_b"},
		{name: "dot", shard: "a.b"},
		{name: "slash", shard: "a/b"},
		{name: "space", shard: "a b"},
		{name: "newline", shard: "a\n"},
		{name: "non-ASCII", shard: "café"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCatalogue(t)
			c.addHosts(1)
			c.addModule(m1)
			s, err := c.createShard(tt.shard, m1, 1)
			if tt.valid {
				if err != nil || s.Name != tt.shard {
					t.Fatalf("got (%+v, %v), want shard %q", s, err, tt.shard)
				}
				return
			}
			if !errors.Is(err, meta.ErrInvalidArgument) || !strings.Contains(err.Error(), "invalid shard name") {
				t.Fatalf("got %v, want ErrInvalidArgument naming the shard name", err)
			}
			if ss := c.shards(); len(ss) != 0 {
				t.Errorf("an invalid create left shards %+v", ss)
			}
		})
	}
}

func TestReplicaCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hosts, asked int
		want         int   // replicas placed, when err is nil
		err          error // a sentinel
	}{
		{hosts: 0, asked: 0, err: meta.ErrNotEnoughHosts},
		{hosts: 0, asked: 1, err: meta.ErrNotEnoughHosts},
		{hosts: 1, asked: 0, want: 1},
		{hosts: 1, asked: 1, want: 1},
		{hosts: 1, asked: 2, err: meta.ErrInvalidArgument},
		{hosts: 1, asked: 3, err: meta.ErrNotEnoughHosts},
		{hosts: 1, asked: 5, err: meta.ErrNotEnoughHosts},
		{hosts: 1, asked: 7, err: meta.ErrInvalidArgument},
		{hosts: 2, asked: 0, want: 1},
		{hosts: 3, asked: 0, want: 3},
		{hosts: 3, asked: 1, want: 1},
		{hosts: 3, asked: 2, err: meta.ErrInvalidArgument},
		{hosts: 3, asked: 3, want: 3},
		{hosts: 3, asked: 5, err: meta.ErrNotEnoughHosts},
		{hosts: 3, asked: 7, err: meta.ErrInvalidArgument},
		{hosts: 5, asked: -1, err: meta.ErrInvalidArgument},
		{hosts: 5, asked: 0, want: 3},
		{hosts: 5, asked: 1, want: 1},
		{hosts: 5, asked: 2, err: meta.ErrInvalidArgument},
		{hosts: 5, asked: 3, want: 3},
		{hosts: 5, asked: 5, want: 5},
		{hosts: 5, asked: 7, err: meta.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d replicas on %d hosts", tt.asked, tt.hosts), func(t *testing.T) {
			t.Parallel()
			c := newCatalogue(t)
			for i := range tt.hosts {
				c.addHosts(uint64(i + 1))
			}
			c.addModule(m1)
			s, err := c.createShard("s", m1, tt.asked)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got (%+v, %v), want %v", s, err, tt.err)
				}
				if ss := c.shards(); len(ss) != 0 {
					t.Errorf("a failed create left shards %+v", ss)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateShard: %v", err)
			}
			if len(s.Replicas) != tt.want {
				t.Errorf("got %d replicas, want %d", len(s.Replicas), tt.want)
			}
			hosts := map[uint64]bool{}
			for i, r := range s.Replicas {
				if r.ReplicaID != uint64(i+1) {
					t.Errorf("replica %d has id %d, want %d", i, r.ReplicaID, i+1)
				}
				if r.HostID < 1 || r.HostID > uint64(tt.hosts) || hosts[r.HostID] {
					t.Errorf("replica %d is on host %d: unknown or taken", i, r.HostID)
				}
				hosts[r.HostID] = true
			}
		})
	}
}

// TestPlacement checks placement against a model: each new shard's
// replicas go to the least-loaded hosts, ties broken by the lower host id,
// where a host's load is the replicas of the shards that exist; and that
// a catalogue without its placement load record places the same.
func TestPlacement(t *testing.T) {
	t.Parallel()
	hostIDs := []uint64{50, 10, 40, 20, 30}
	type step struct {
		create   string
		replicas int
		del      string
	}
	steps := []step{
		{create: "s1", replicas: 3},
		{create: "s2", replicas: 3},
		{create: "s3", replicas: 1},
		{create: "s4", replicas: 5},
		{del: "s2"},
		{create: "s5", replicas: 3},
		{create: "s6", replicas: 1},
		{del: "s1"},
		{del: "s4"},
		{create: "s7", replicas: 3},
		{create: "s8", replicas: 0},
		{create: "s9", replicas: 1},
	}
	// model places as documented.
	model := map[string][]uint64{}
	place := func(n int) []uint64 {
		load := map[uint64]int{}
		for _, hs := range model {
			for _, h := range hs {
				load[h]++
			}
		}
		ids := slices.Clone(hostIDs)
		slices.SortFunc(ids, func(a, b uint64) int { return cmp.Or(cmp.Compare(load[a], load[b]), cmp.Compare(a, b)) })
		return ids[:n]
	}

	// run applies the steps; with forget, each on a catalogue without its
	// placement load, as one written before the load was kept.
	run := func(c *catalogue, forget bool) []meta.Shard {
		c.addHosts(hostIDs...)
		c.addModule(m1)
		var created []meta.Shard
		for _, st := range steps {
			if forget {
				if err := meta.ForgetPlacementLoad(c.db, c.index); err != nil {
					t.Fatal(err)
				}
			}
			if st.del != "" {
				c.must(meta.Request{Op: meta.OpDeleteShard, Name: st.del}, nil)
				continue
			}
			s, err := c.createShard(st.create, m1, st.replicas)
			if err != nil {
				t.Fatalf("create %s: %v", st.create, err)
			}
			created = append(created, s)
		}
		return created
	}
	c := newCatalogue(t)
	created := run(c, false)
	i := 0
	for _, st := range steps {
		if st.del != "" {
			delete(model, st.del)
			continue
		}
		n := st.replicas
		if n == 0 {
			n = 3
		}
		want := place(n)
		model[st.create] = want
		var got []uint64
		for _, r := range created[i].Replicas {
			got = append(got, r.HostID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: placed on hosts %v, want %v", st.create, got, want)
		}
		i++
	}
	// Another replica of the meta shard, applying the same log, decides
	// the same.
	again := run(newCatalogue(t), false)
	if fmt.Sprint(again) != fmt.Sprint(created) {
		t.Errorf("two runs placed differently:\n%+v\n%+v", created, again)
	}
	// So does one whose catalogue lacks the placement load (the harness
	// checks that the load it writes then is what the shards count).
	counted := run(newCatalogue(t), true)
	if fmt.Sprint(counted) != fmt.Sprint(created) {
		t.Errorf("without the placement load, placed differently:\n%+v\n%+v", created, counted)
	}
}

func TestShardIDs(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1)
	c.addModule(m1)
	var ids []uint64
	create := func(name string) {
		t.Helper()
		s, err := c.createShard(name, m1, 1)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		ids = append(ids, s.ID)
	}
	create("a")
	create("b")
	// Failed creates take no id.
	if _, err := c.createShard("a", m1, 1); !errors.Is(err, meta.ErrShardExists) {
		t.Errorf("duplicate name: got %v, want ErrShardExists", err)
	}
	if _, err := c.createShard("c", "nope", 1); !errors.Is(err, meta.ErrModuleNotFound) {
		t.Errorf("unknown module: got %v, want ErrModuleNotFound", err)
	}
	if _, err := c.createShard("c", m1, 3); !errors.Is(err, meta.ErrNotEnoughHosts) {
		t.Errorf("too many replicas: got %v, want ErrNotEnoughHosts", err)
	}
	create("c")
	// A deleted shard's id is not reused, even by a shard of the same name.
	c.must(meta.Request{Op: meta.OpDeleteShard, Name: "b"}, nil)
	create("b")
	want := []uint64{meta.FirstUserShardID, meta.FirstUserShardID + 1, meta.FirstUserShardID + 2, meta.FirstUserShardID + 3}
	if !slices.Equal(ids, want) {
		t.Errorf("got ids %v, want %v", ids, want)
	}
	if meta.FirstUserShardID <= meta.ShardID {
		t.Errorf("user shard ids start at %d, not above the meta shard's %d", meta.FirstUserShardID, meta.ShardID)
	}
}

func TestCatalogueErrors(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1)
	c.addModule(m1)
	c.addModule(m2)
	if _, err := c.createShard("orders", m1, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.createShard("users", m1, 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  meta.Request
		want error
		msg  string
	}{
		{name: "duplicate shard", req: meta.Request{Op: meta.OpCreateShard, Name: "orders", Hash: m2}, want: meta.ErrShardExists, msg: `shard "orders" already exists`},
		{name: "shard of an unknown module", req: meta.Request{Op: meta.OpCreateShard, Name: "x", Hash: "m9"}, want: meta.ErrModuleNotFound, msg: "module m9 not found"},
		{name: "delete a module in use", req: meta.Request{Op: meta.OpDeleteModule, Hash: m1}, want: meta.ErrModuleInUse, msg: "module " + m1 + ` is used by shards ["orders" "users"]`},
		{name: "delete an unknown module", req: meta.Request{Op: meta.OpDeleteModule, Hash: "m9"}, want: meta.ErrModuleNotFound},
		{name: "delete an unknown shard", req: meta.Request{Op: meta.OpDeleteShard, Name: "nope"}, want: meta.ErrShardNotFound},
		{name: "put_module without a module", req: meta.Request{Op: meta.OpPutModule}, want: meta.ErrInvalidArgument},
		{name: "heartbeat without an address", req: meta.Request{Op: meta.OpHeartbeat, Host: &meta.Host{ID: 2, Name: "h2"}}, want: meta.ErrInvalidArgument},
		{name: "heartbeat without an id", req: meta.Request{Op: meta.OpHeartbeat, Host: &meta.Host{Name: "h2", RaftAddr: "x:1"}}, want: meta.ErrInvalidArgument},
		{name: "unknown command", req: meta.Request{Op: "launch_missiles"}, want: meta.ErrInvalidArgument, msg: `unknown meta command "launch_missiles"`},
		{name: "a query as a command", req: meta.Request{Op: meta.OpListShards}, want: meta.ErrInvalidArgument},
	}
	for _, tt := range tests {
		res := c.do(tt.req)
		if !errors.Is(res.err, tt.want) {
			t.Errorf("%s: got (%s, %v), want %v", tt.name, res.out, res.err, tt.want)
			continue
		}
		if tt.msg != "" && !strings.Contains(res.err.Error(), tt.msg) {
			t.Errorf("%s: got %q, want it to say %q", tt.name, res.err, tt.msg)
		}
	}
	// A command that is not JSON.
	es := []sm.Entry{{Index: c.index + 1, Cmd: fsm.EncodeCommand(1, fsm.Budget{}, nil, []byte("{"))}}
	c.index++
	got, err := c.sm.Update(es)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fsm.DecodeResult(got[0].Result); !errors.Is(err, meta.ErrInvalidArgument) {
		t.Errorf("malformed JSON: got %v, want ErrInvalidArgument", err)
	}
	// Nothing above changed the catalogue.
	if ss := c.shards(); len(ss) != 2 {
		t.Errorf("got %d shards, want 2", len(ss))
	}
	for _, q := range []struct {
		req  meta.Request
		want error
	}{
		{meta.Request{Op: meta.OpGetModule, Hash: m1}, nil},
		{meta.Request{Op: meta.OpGetModule, Hash: "m9"}, meta.ErrModuleNotFound},
		{meta.Request{Op: meta.OpGetWasm, Hash: "m9"}, meta.ErrModuleNotFound},
		{meta.Request{Op: meta.OpGetShard, Name: "nope"}, meta.ErrShardNotFound},
		{meta.Request{Op: meta.OpHeartbeat}, meta.ErrInvalidArgument},
	} {
		if _, err := c.query(q.req); !errors.Is(err, q.want) && (q.want != nil || err != nil) {
			t.Errorf("query %s: got %v, want %v", q.req.Op, err, q.want)
		}
	}
}

// TestModuleLifecycle follows a module from upload to deletion.
func TestModuleLifecycle(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1)
	var m meta.Module
	c.must(putModule(m1), &m)
	created := m.CreateNanos
	if created != c.stamp {
		t.Errorf("CreateNanos %d, want the entry's stamp %d", created, c.stamp)
	}
	// Uploading again returns the first entry.
	c.must(putModule(m1), &m)
	if m.CreateNanos != created {
		t.Errorf("a second upload changed CreateNanos to %d", m.CreateNanos)
	}
	// Other bytes under its hash are refused, whether the hash is known
	// or not, and change nothing.
	for _, hash := range []string{m1, m2} {
		swap := meta.Request{Op: meta.OpPutModule, Module: &meta.Module{Hash: hash, Size: 5, ABIVersion: 1}, Wasm: []byte("other")}
		if err := c.do(swap).err; !errors.Is(err, wasm.ErrHashMismatch) || !strings.Contains(err.Error(), hash) {
			t.Errorf("other bytes under %s: got %v, want ErrHashMismatch naming the hash", hash, err)
		}
	}
	if _, err := c.query(meta.Request{Op: meta.OpGetModule, Hash: m2}); !errors.Is(err, meta.ErrModuleNotFound) {
		t.Errorf("a refused upload recorded module m2: %v", err)
	}
	wrongSize := putModule(m2)
	wrongSize.Module.Size++
	if err := c.do(wrongSize).err; !errors.Is(err, meta.ErrInvalidArgument) {
		t.Errorf("a module with the wrong size: got %v, want ErrInvalidArgument", err)
	}
	if b, err := c.query(meta.Request{Op: meta.OpGetWasm, Hash: m1}); err != nil || string(b) != string(wasmM1) {
		t.Errorf("get_wasm: got (%q, %v), want the first upload's bytes", b, err)
	}
	if _, err := c.createShard("s", m1, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.do(meta.Request{Op: meta.OpDeleteModule, Hash: m1}).err; !errors.Is(err, meta.ErrModuleInUse) {
		t.Fatalf("got %v, want ErrModuleInUse", err)
	}
	c.must(meta.Request{Op: meta.OpDeleteShard, Name: "s"}, nil)
	c.must(meta.Request{Op: meta.OpDeleteModule, Hash: m1}, nil)
	for _, op := range []meta.Op{meta.OpGetModule, meta.OpGetWasm} {
		if _, err := c.query(meta.Request{Op: op, Hash: m1}); !errors.Is(err, meta.ErrModuleNotFound) {
			t.Errorf("%s after delete: got %v, want ErrModuleNotFound", op, err)
		}
	}
	if out, err := c.query(meta.Request{Op: meta.OpListModules}); err != nil || string(out) != "[]" {
		t.Errorf("list_modules: got (%s, %v), want []", out, err)
	}
}

// TestBatch checks that in one batch of catalogue commands a failed one
// changes nothing and the others apply in order, and that the clock the
// commands see never goes backwards.
func TestBatch(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	c.addModule(m1)
	announced := c.announced
	rs := c.apply(
		meta.Request{Op: meta.OpCreateShard, Name: "a", Hash: m1},
		meta.Request{Op: meta.OpCreateShard, Name: "a", Hash: m1},
		meta.Request{Op: meta.OpCreateShard, Name: "b", Hash: "m9"},
		meta.Request{Op: meta.OpCreateShard, Name: "b", Hash: m1, ShardSettings: meta.ShardSettings{Replicas: 1}},
	)
	if c.announced != announced+1 {
		t.Errorf("one batch that wrote shards was announced %d times", c.announced-announced)
	}
	wantErr := []error{nil, meta.ErrShardExists, meta.ErrModuleNotFound, nil}
	for i, r := range rs {
		if !errors.Is(r.err, wantErr[i]) || (wantErr[i] == nil && r.err != nil) {
			t.Errorf("entry %d: got %v, want %v", i, r.err, wantErr[i])
		}
	}
	ss := c.shards()
	if len(ss) != 2 || ss[0].ID != meta.FirstUserShardID || ss[1].ID != meta.FirstUserShardID+1 || len(ss[0].Replicas) != 3 || len(ss[1].Replicas) != 1 {
		t.Errorf("got shards %+v", ss)
	}

	// Stamps that go backwards: the shards' CreateNanos do not.
	before := c.stamp
	c.stamp -= 500
	c.apply(
		meta.Request{Op: meta.OpCreateShard, Name: "c", Hash: m1, ShardSettings: meta.ShardSettings{Replicas: 1}},
		meta.Request{Op: meta.OpCreateShard, Name: "d", Hash: m1, ShardSettings: meta.ShardSettings{Replicas: 1}},
	)
	for _, s := range c.shards() {
		if (s.Name == "c" || s.Name == "d") && s.CreateNanos != before {
			t.Errorf("shard %s: CreateNanos %d, want the clock %d", s.Name, s.CreateNanos, before)
		}
	}
}

// TestRefusalCrossesTheLog checks that a refused command's error, decoded
// from its entry's result, keeps its kind, code and message: it matches its
// own sentinel and no other of its kind, and says the command was applied
// (it took its place in the log and changed nothing).
func TestRefusalCrossesTheLog(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	res := c.do(meta.Request{Op: meta.OpDeleteShard, Name: "nope"})
	switch {
	case !errors.Is(res.err, meta.ErrShardNotFound):
		t.Fatalf("got %v, want ErrShardNotFound", res.err)
	case errors.Is(res.err, meta.ErrModuleNotFound), errors.Is(res.err, meta.ErrHostNotFound):
		t.Errorf("%v matches another sentinel of its kind", res.err)
	case outcome.KindOf(res.err) != outcome.NotFound:
		t.Errorf("kind %v, want not found", outcome.KindOf(res.err))
	case outcome.AppliedOf(res.err) != outcome.AppliedYes:
		t.Errorf("applied = %v, want applied", outcome.AppliedOf(res.err))
	case !strings.Contains(res.err.Error(), `"nope"`):
		t.Errorf("message %q does not name the shard", res.err)
	}
}

// TestShardWritesCounted checks that the executor counts the entries that
// write a shard's record, which the reconciler reads the list of shards
// again for, and announces them and other commands, but not the
// heartbeats that every host makes every two seconds.
func TestShardWritesCounted(t *testing.T) {
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	c.addModule(m1)
	before, announced := c.exec.ShardWrites(), c.announced
	c.addUnproven(1) // a heartbeat
	if got := c.exec.ShardWrites(); got != before || c.announced != announced {
		t.Fatalf("a heartbeat moved the count of shard writes from %d to %d, announced %d times", before, got, c.announced-announced)
	}
	if _, err := c.createShard("counted", m1, 3); err != nil {
		t.Fatal(err)
	}
	if got := c.exec.ShardWrites(); got != before+1 || c.announced != announced+1 {
		t.Fatalf("creating a shard moved the count of shard writes from %d to %d (want %d), announced %d times (want 1)", before, got, before+1, c.announced-announced)
	}
	c.must(meta.Request{Op: meta.OpDeleteShard, Name: "counted"}, nil)
	if got := c.exec.ShardWrites(); got != before+2 || c.announced != announced+2 {
		t.Fatalf("deleting a shard moved the count of shard writes to %d (want %d), announced %d times (want 2)", got, before+2, c.announced-announced)
	}
	// Other commands are announced too (a host removed, a challenge), but
	// do not move the count of shard writes.
	one := 1
	c.must(meta.Request{Op: meta.OpSetQuota, Namespace: "a", QuotaChange: &meta.QuotaChange{Shards: &one}}, nil)
	if got := c.exec.ShardWrites(); got != before+2 || c.announced != announced+3 {
		t.Fatalf("setting a quota moved the count of shard writes to %d (want %d), announced %d times (want 3)", got, before+2, c.announced-announced)
	}
}

// TestShardWritesCountedOnceCommitted checks that an entry's write to a
// shard's record moves the count only once its batch is committed: a
// reconciler that reads the count, then the records, while a batch is
// applied must not pair the new count with the old records, which it
// would keep until the next write.
func TestShardWritesCountedOnceCommitted(t *testing.T) {
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	c.addModule(m1)
	before := c.exec.ShardWrites()
	txn := c.db.Txn(meta.ShardID)
	if err := txn.Begin(store.Limits{}); err != nil {
		t.Fatal(err)
	}
	c.index++
	c.stamp++
	req := meta.Request{Op: meta.OpCreateShard, Name: "pending", Hash: m1, ShardSettings: meta.ShardSettings{Replicas: 3}}
	if _, err := c.exec.Update(t.Context(), fsm.Call{ShardID: meta.ShardID, Index: c.index, TimeNanos: c.stamp}, req.Encode(), txn); err != nil {
		t.Fatal(err)
	}
	if got := c.exec.ShardWrites(); got != before {
		t.Errorf("before its batch committed, a shard's creation moved the count of shard writes from %d to %d", before, got)
	}
	if err := txn.Commit(c.index); err != nil {
		t.Fatal(err)
	}
	c.exec.Committed()
	if got := c.exec.ShardWrites(); got != before+1 {
		t.Errorf("after its batch committed, the count of shard writes is %d, want %d", got, before+1)
	}
}

// TestShardWritesSince checks that the executor tells which shard
// records the entries counted since a count wrote, each once, and that a
// view reads them as they are now; and that it says when it no longer
// knows (a snapshot recovered, or more writes than it keeps).
func TestShardWritesSince(t *testing.T) {
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	c.addModule(m1)
	from := c.exec.ShardWrites()
	var created []meta.Shard
	for _, name := range []string{"a", "b"} {
		s, err := c.createShard(name, m1, 3)
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, s)
	}
	// One batch: a shard created, and one deleted.
	for _, r := range c.apply(meta.Request{Op: meta.OpCreateShard, Name: "c", Hash: m1}, meta.Request{Op: meta.OpDeleteShard, Name: "a"}) {
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	keyOf := func(name string) string {
		return meta.ShardRecordKey(meta.Shard{Namespace: created[0].Namespace, Name: name})
	}
	since := func(from uint64, want ...string) {
		t.Helper()
		keys, now, ok := c.exec.ShardWritesSince(from)
		if !ok || now != c.exec.ShardWrites() || !slices.Equal(keys, want) {
			t.Errorf("shard writes since %d: %q at %d, ok %v; want %q at %d", from, keys, now, ok, want, c.exec.ShardWrites())
		}
	}
	since(from, keyOf("a"), keyOf("b"), keyOf("c"))
	since(from+2, keyOf("a"), keyOf("c"))
	since(c.exec.ShardWrites())

	view := c.db.View(meta.ShardID)
	for name, want := range map[string]bool{"a": false, "b": true, "c": true} {
		record, ok, err := meta.ShardRecord(view, keyOf(name))
		if err != nil || ok != want {
			t.Errorf("record of %s: found %v, err %v; want found %v", name, ok, err, want)
			continue
		}
		if s, err := meta.DecodeShardRecord(record); ok && (err != nil || s.Name != name) {
			t.Errorf("record of %s decodes to %q, err %v", name, s.Name, err)
		}
	}
	if _, _, err := meta.ShardRecord(view, "host/1"); err == nil {
		t.Error("ShardRecord read a key that is not a shard's")
	}
	view.Close()

	c.exec.Recovered()
	if _, _, ok := c.exec.ShardWritesSince(from); ok {
		t.Error("after a snapshot was recovered, the executor still tells the writes before it")
	}
	since(c.exec.ShardWrites())

	many, quota := 4097, 4099 // past what the executor keeps; and b and c
	c.must(meta.Request{Op: meta.OpSetQuota, QuotaChange: &meta.QuotaChange{Shards: &quota}}, nil)
	after := c.exec.ShardWrites()
	var reqs []meta.Request
	for i := range many {
		reqs = append(reqs, meta.Request{Op: meta.OpCreateShard, Name: fmt.Sprint("m", i), Hash: m1, ShardSettings: meta.ShardSettings{StoredBytes: 1 << 20}})
	}
	for _, r := range c.apply(reqs...) {
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	if _, _, ok := c.exec.ShardWritesSince(after); ok {
		t.Errorf("after %d shard writes, the executor still tells them all", many)
	}
}

// TestListShardRecords checks that the framed listing a host's
// reconciler reads holds what the JSON listing does: every shard's record,
// in the same order, with the same bytes.
func TestListShardRecords(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	c.addModule(m1)
	for n := range 4 {
		if n > 0 {
			if _, err := c.createShard(fmt.Sprint("s", n), m1, 3); err != nil {
				t.Fatal(err)
			}
		}
		list, err := c.query(meta.Request{Op: meta.OpListShards, AllNamespaces: true})
		if err != nil {
			t.Fatal(err)
		}
		var want []json.RawMessage
		if err := meta.Decode(list, &want); err != nil {
			t.Fatal(err)
		}
		framed, err := c.query(meta.Request{Op: meta.OpListShardRecords})
		if err != nil {
			t.Fatal(err)
		}
		shards, records, err := meta.DecodeShards(framed)
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != len(want) || len(shards) != n {
			t.Fatalf("%d shards: the framed listing has %d records and %d shards, the JSON one %d records", n, len(records), len(shards), len(want))
		}
		for i := range want {
			if !bytes.Equal(records[i], want[i]) {
				t.Errorf("%d shards: record %d is %s framed, %s in JSON", n, i, records[i], want[i])
			}
			if shards[i].Name != fmt.Sprint("s", i+1) {
				t.Errorf("%d shards: shard %d is %q, want s%d", n, i, shards[i].Name, i+1)
			}
		}
	}
}
