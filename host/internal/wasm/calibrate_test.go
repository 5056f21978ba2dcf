package wasm_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
	"github.com/synodhq/synod/host/internal/wasm/leb"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/testwasm"
)

// A calibration mix is a guest whose synod_update repeats one kind of work
// until its fuel runs out (or, for the memory mixes, until the memory is
// full), so that the fuel it burns per second measures how faithfully the
// schedule prices that work. Fuel is only a fair bound on time if every
// mix burns it at about the same rate: a mix that burns it slowly is one
// whose calls run longest for a given budget.
type calMix struct {
	name string
	// module builds the guest; input is its synod_update input.
	module func(tb testing.TB) []byte
	input  string
	// kvs are the keys and values in the store, in pairs.
	kvs []string
	// fills says the call ends when memory is full, not out of fuel.
	fills bool
}

// WASI imports of the mixes, with their signatures.
var (
	impRandomGet    = wimport{"wasi_snapshot_preview1", "random_get", []byte{tI32, tI32}, []byte{tI32}}
	impFdWrite      = wimport{"wasi_snapshot_preview1", "fd_write", []byte{tI32, tI32, tI32, tI32}, []byte{tI32}}
	impFdRead       = wimport{"wasi_snapshot_preview1", "fd_read", []byte{tI32, tI32, tI32, tI32}, []byte{tI32}}
	impPollOneoff   = wimport{"wasi_snapshot_preview1", "poll_oneoff", []byte{tI32, tI32, tI32, tI32}, []byte{tI32}}
	impClockTimeGet = wimport{"wasi_snapshot_preview1", "clock_time_get", []byte{tI32, tI64, tI32}, []byte{tI32}}
	impArgsSizesGet = wimport{"wasi_snapshot_preview1", "args_sizes_get", []byte{tI32, tI32}, []byte{tI32}}
	impSchedYield   = wimport{"wasi_snapshot_preview1", "sched_yield", nil, []byte{tI32}}
	impFdstatGet    = wimport{"wasi_snapshot_preview1", "fd_fdstat_get", []byte{tI32, tI32}, []byte{tI32}}
)

// Instructions the mixes use besides wasmbin_test.go's.
var (
	opBrIf      = []byte{0x0d}
	opLocalSet  = []byte{0x21}
	opLocalTee  = []byte{0x22}
	i64Add      = []byte{0x7c}
	i64Mul      = []byte{0x7e}
	i64DivU     = []byte{0x80}
	i64RemU     = []byte{0x82}
	i32Add      = []byte{0x6a}
	i32Eq       = []byte{0x46}
	i32Mul      = []byte{0x6c}
	i32Load     = []byte{0x28, 2, 0}
	i32Store    = []byte{0x36, 2, 0}
	memoryGrow  = []byte{0x40, 0}
	memoryFill  = []byte{0xfc, 11, 0}
	memoryCopy  = []byte{0xfc, 10, 0, 0}
	dropResult  = []byte{opDrop}
	loopForever = []byte{opLoop, blockEmpty}
)

// i64c returns the instruction i64.const v.
func i64c(v int64) []byte { return leb.AppendS64([]byte{0x42}, v) }

func setLocal(i int) []byte { return append(append([]byte(nil), opLocalSet...), uleb(uint64(i))...) }
func teeLocal(i int) []byte { return append(append([]byte(nil), opLocalTee...), uleb(uint64(i))...) }

// repeat returns n copies of b.
func repeat(n int, b []byte) []byte { return bytes.Repeat(b, n) }

// forever is a synod_update body that runs body in a loop until the fuel
// runs out.
func forever(body ...[]byte) []byte {
	return code(loopForever, code(body...), []byte{opBr, 0, opEnd}, i32(0))
}

// calMemPages is the memory of the plain-wasm mixes: 4 MiB.
const calMemPages = 64

// plainMix is a mix in hand-written wasm: synod_update is update, with
// i64 locals 2 and 3, and the module has the given imports, a function
// () -> () that does nothing (index len(imports)+4) in a table at 0, and
// data, if set, as its data section.
func plainMix(name string, imports []wimport, update []byte, data []byte) calMix {
	return plainMixPages(name, imports, update, data, calMemPages)
}

// plainMixPages is [plainMix] with a memory of the given pages.
func plainMixPages(name string, imports []wimport, update []byte, data []byte, pages int) calMix {
	m := guestModule(imports, update, nil)
	m.funcs[2].locals = []byte{tI64, tI64}
	m.funcs = append(m.funcs, wfunc{})
	m.memPages = pages
	m.tables = []byte{1, 0x70, 0, 1}
	m.elems = code([]byte{1, 0}, i32(0), []byte{opEnd, 1}, uleb(uint64(len(imports)+4)))
	m.data = data
	bin := m.bytes()
	return calMix{name: name, module: func(testing.TB) []byte { return bin }}
}

// dataAt is a data section of one active segment: b at offset.
func dataAt(offset int32, b []byte) []byte {
	return code([]byte{1, 0}, i32(offset), []byte{opEnd}, uleb(uint64(len(b))), b)
}

// iovec encodes one WASI iovec.
func iovec(ptr, n uint32) []byte {
	return []byte{byte(ptr), byte(ptr >> 8), byte(ptr >> 16), byte(ptr >> 24), byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}
}

func withKV(c calMix, kvs ...string) calMix {
	c.kvs = kvs
	return c
}

func goMix(name, pkg, input string) calMix {
	return calMix{name: name, module: func(tb testing.TB) []byte { return testwasm.Build(tb, pkg) }, input: input}
}

const mib = 1 << 20

// calMixes returns the calibration mixes: instruction kinds, every host
// function with large sizes and with small ones, and Go guests.
func calMixes() []calMix {
	call0 := call(0)
	const key = 4*mib - 1 // a key of one zero byte, which no mix writes over
	scanKVs := make([]string, 0, 2000)
	for i := range 1000 {
		scanKVs = append(scanKVs, fmt.Sprintf("key-%04d", i), strings.Repeat("v", 100))
	}
	fill := func(name string, touch bool) calMix {
		// Grow one page at a time until the memory is full; with touch,
		// write the whole page (memory.fill) as a program would.
		grow := code(i32(1), memoryGrow, teeLocal(0), i32(-1), i32Eq, opBrIf, []byte{1})
		if touch {
			grow = code(grow, local(0), i32(65536), i32Mul, i32(1), i32(65536), memoryFill)
		}
		c := plainMix(name, nil, code([]byte{0x02, blockEmpty}, loopForever, grow, []byte{opBr, 0, opEnd, opEnd}, i32(0)), nil)
		c.fills = true
		return c
	}
	return []calMix{
		plainMix("br loop", nil, forever(), nil),
		plainMix("i64 arith", nil, forever(repeat(8, code(local(2), i64c(6364136223846793005), i64Mul, i64c(1442695040888963407), i64Add, setLocal(2)))), nil),
		plainMix("i64 div/rem", nil, forever(repeat(4, code(local(2), i64c(6364136223846793005), i64Mul, i64c(-1), i64Add, teeLocal(2), i64c(7), i64DivU, local(2), i64c(13), i64RemU, i64Add, local(3), i64Add, setLocal(3)))), nil),
		plainMix("load/store", nil, forever(repeat(8, code(i32(64), i32(64), i32Load, i32(1), i32Add, i32Store))), nil),
		plainMix("call", nil, forever(call(4)), nil),
		plainMix("call_indirect", nil, forever(i32(0), []byte{0x11, 4, 0}), nil),
		plainMix("memory.fill 64 KiB", nil, forever(i32(0), i32(0), i32(65536), memoryFill), nil),
		plainMix("memory.copy 64 KiB", nil, forever(i32(0), i32(65536), i32(65536), memoryCopy), nil),
		plainMix("memory.fill 16 B", nil, forever(i32(0), i32(0), i32(16), memoryFill), nil),
		fill("memory.grow to 256 MiB", false),
		fill("memory.grow and fill to 256 MiB", true),
		withKV(plainMix("kv_get 1 MiB", []wimport{impKVGet}, forever(i32(key), i32(1), i32(0), i32(mib), call0, dropResult), nil), "\x00", strings.Repeat("v", mib)),
		withKV(plainMix("kv_get 8 B", []wimport{impKVGet}, forever(i32(key), i32(1), i32(0), i32(8), call0, dropResult), nil), "\x00", "12345678"),
		plainMix("kv_get absent", []wimport{impKVGet}, forever(i32(key-1), i32(1), i32(0), i32(8), call0, dropResult), nil),
		plainMix("kv_set 1 MiB", []wimport{impKVSet}, forever(i32(key), i32(1), i32(0), i32(mib), call0), nil),
		plainMix("kv_set 8 B", []wimport{impKVSet}, forever(i32(key), i32(1), i32(0), i32(8), call0), nil),
		plainMix("kv_delete", []wimport{impKVDelete}, forever(i32(key), i32(1), call0), nil),
		withKV(plainMix("kv_scan 1000 x 100 B", []wimport{impKVScan}, forever(i32(0), i32(0), i32(0), i32(0), i32(0), i32(0), i32(4*mib-1), call0, dropResult), nil), scanKVs...),
		plainMix("set_output 1 MiB", []wimport{impSetOutput}, forever(i32(0), i32(mib), call0), nil),
		plainMix("set_output 8 B", []wimport{impSetOutput}, forever(i32(0), i32(8), call0), nil),
		plainMix("set_error 8 B", []wimport{impSetError}, forever(i32(1), i32(0), i32(8), call0), nil),
		plainMix("random_get 1 MiB", []wimport{impRandomGet}, forever(i32(0), i32(mib), call0, dropResult), nil),
		plainMix("random_get 8 B", []wimport{impRandomGet}, forever(i32(0), i32(8), call0, dropResult), nil),
		plainMix("fd_write stdout 1 MiB", []wimport{impFdWrite}, forever(i32(1), i32(3*mib), i32(1), i32(0), call0, dropResult), dataAt(3*mib, iovec(0, mib))),
		plainMix("fd_write stderr 1 MiB", []wimport{impFdWrite}, forever(i32(2), i32(3*mib), i32(1), i32(0), call0, dropResult), dataAt(3*mib, iovec(0, mib))),
		plainMix("fd_write 100k empty iovecs", []wimport{impFdWrite}, forever(i32(1), i32(0), i32(100_000), i32(3*mib), call0, dropResult), nil),
		plainMix("fd_write stdout 8 B", []wimport{impFdWrite}, forever(i32(1), i32(3*mib), i32(1), i32(0), call0, dropResult), dataAt(3*mib, iovec(0, 8))),
		plainMix("fd_read 100k empty iovecs", []wimport{impFdRead}, forever(i32(0), i32(0), i32(100_000), i32(3*mib), call0, dropResult), nil),
		plainMix("poll_oneoff 10k clocks", []wimport{impPollOneoff}, forever(i32(0), i32(mib), i32(10_000), i32(3*mib), call0, dropResult), nil),
		plainMix("poll_oneoff 1 clock", []wimport{impPollOneoff}, forever(i32(0), i32(mib), i32(1), i32(3*mib), call0, dropResult), nil),
		plainMix("clock_time_get", []wimport{impClockTimeGet}, forever(i32(0), i64c(0), i32(0), call0, dropResult), nil),
		plainMix("args_sizes_get", []wimport{impArgsSizesGet}, forever(i32(0), i32(8), call0, dropResult), nil),
		plainMix("sched_yield", []wimport{impSchedYield}, forever(call0, dropResult), nil),
		plainMix("fd_fdstat_get", []wimport{impFdstatGet}, forever(i32(1), i32(0), call0, dropResult), nil),
		goMix("Go: a loop", probe, "spin"),
		goMix("Go: sha256 and sort", probe, "compute"),
	}
}

// calShard is the shard the mixes' store holds.
const calShard = 7

// openStore returns a store in a temporary directory whose shard calShard
// holds kvs.
func openStore(tb testing.TB, kvs []string) *store.DB {
	tb.Helper()
	db, err := store.Open(tb.TempDir(), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	txn := db.Txn(calShard)
	defer txn.Close()
	if err := txn.Begin(store.Limits{}); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(kvs); i += 2 {
		if err := txn.Set([]byte(kvs[i]), []byte(kvs[i+1])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := txn.Commit(1); err != nil {
		tb.Fatal(err)
	}
	return db
}

// runMix runs one call of a mix with the given budget as an update of its
// own against db, and returns the fuel it used and how long it took.
func runMix(tb testing.TB, m *wasm.Module, db *store.DB, c calMix, budget uint64) (uint64, time.Duration) {
	tb.Helper()
	txn := db.Txn(calShard)
	defer txn.Close()
	if err := txn.Begin(store.Limits{}); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	_, fuel, err := m.Call(tb.Context(), wasm.Update, []byte(c.input), wasm.Env{TimeNanos: 1, Fuel: budget}, txn)
	took := time.Since(start)
	var trap *outcome.Trap
	switch {
	case c.fills && err != nil:
		tb.Fatalf("%s: %v", c.name, err)
	case !c.fills && !(errors.As(err, &trap) && trap.OutOfFuel):
		tb.Fatalf("%s: got %v, want it to run out of fuel", c.name, err)
	}
	return fuel, took
}

// calCallTime is about how long each benchmarked call runs: long enough
// that a call's fixed costs (taking an instance, resetting it) are small
// beside its work.
const calCallTime = 5 * time.Millisecond

// BenchmarkFuelRate measures the rate at which each calibration mix burns
// fuel: fuel/µs, and ns/fuel, its inverse. Each call runs one mix until
// its fuel runs out, with a budget chosen so that a call takes about 5 ms.
// The rates of different mixes in one run are what to compare: the
// schedule is faithful when they are within a small factor of each other.
//
//	go test -run '^$' -bench FuelRate -benchtime 20x -count 3 ./host/internal/wasm/
func BenchmarkFuelRate(b *testing.B) {
	rt, err := wasm.NewRuntime(b.Context(), wasm.Config{CacheDir: testwasm.CacheDir(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(b.Context())
	for _, c := range calMixes() {
		b.Run(c.name, func(b *testing.B) {
			bin := c.module(b)
			m, err := rt.Load(b.Context(), wasm.Hash(bin), bin)
			if err != nil {
				b.Fatal(err)
			}
			db := openStore(b, c.kvs)
			budget := uint64(wasm.MaxFuel)
			if !c.fills {
				budget = 1000
				for budget < wasm.MaxFuel {
					if _, took := runMix(b, m, db, c, budget); took >= calCallTime {
						break
					}
					budget = min(budget*4, wasm.MaxFuel)
				}
			}
			var total uint64
			b.ResetTimer()
			for range b.N {
				fuel, _ := runMix(b, m, db, c, budget)
				total += fuel
			}
			ns := float64(b.Elapsed().Nanoseconds())
			b.ReportMetric(float64(total)/ns*1000, "fuel/µs")
			b.ReportMetric(ns/float64(total), "ns/fuel")
			b.ReportMetric(float64(total)/float64(b.N), "fuel/op")
		})
	}
}

// worstCases are the slowest calls of issue 11, each repeated until its
// fuel runs out: random_get of 64 MiB, poll_oneoff of 512k
// subscriptions, fd_write of 8 million empty iovecs, a loop of branches,
// and a loop in Go.
func worstCases() []calMix {
	const pages = 1025 // 64 MiB and a page
	return []calMix{
		plainMixPages("random_get 64 MiB", []wimport{impRandomGet}, forever(i32(0), i32(64*mib), call(0), dropResult), nil, pages),
		plainMixPages("poll_oneoff 512k clocks", []wimport{impPollOneoff}, forever(i32(0), i32(24*mib), i32(1<<19), i32(0), call(0), dropResult), nil, pages),
		plainMixPages("fd_write 8M empty iovecs", []wimport{impFdWrite}, forever(i32(1), i32(0), i32(8<<20), i32(0), call(0), dropResult), nil, pages),
		plainMix("br loop", nil, forever(), nil),
		goMix("Go: a loop", probe, "spin"),
	}
}

// BenchmarkFuelBound runs the worst cases at the default and the largest
// budget: how long a call can run for each.
//
//	go test -run '^$' -bench FuelBound -benchtime 3x -count 3 ./host/internal/wasm/
func BenchmarkFuelBound(b *testing.B) {
	rt, err := wasm.NewRuntime(b.Context(), wasm.Config{CacheDir: testwasm.CacheDir(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(b.Context())
	for _, c := range worstCases() {
		bin := c.module(b)
		m, err := rt.Load(b.Context(), wasm.Hash(bin), bin)
		if err != nil {
			b.Fatal(err)
		}
		db := openStore(b, nil)
		for _, budget := range []uint64{wasm.DefaultFuel, wasm.MaxFuel} {
			b.Run(fmt.Sprintf("%s/fuel=%d", c.name, budget), func(b *testing.B) {
				for range b.N {
					runMix(b, m, db, c, budget)
				}
				b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/call")
			})
		}
	}
}

// TestFuelBoundsWorstCases checks the cost side of the bounds that
// BenchmarkFuelBound measures: each worst case runs out of fuel at the
// default budget, and a single random_get of 64 MiB costs at least 2
// fuel a byte.
func TestFuelBoundsWorstCases(t *testing.T) {
	if testing.Short() {
		t.Skip("long (runs every worst case to the default budget): make test runs it")
	}
	t.Parallel()
	rt := newRuntime(t, wasm.Config{})
	for _, c := range worstCases() {
		t.Run(c.name, func(t *testing.T) {
			m := load(t, rt, c.module(t))
			fuel, took := runMix(t, m, openStore(t, nil), c, wasm.DefaultFuel)
			if fuel != wasm.DefaultFuel {
				t.Errorf("used %d fuel, want all of its %d", fuel, uint64(wasm.DefaultFuel))
			}
			t.Logf("ran out of its %d fuel after %s", fuel, took)
		})
	}
	once := plainMixPages("one random_get", []wimport{impRandomGet}, code(i32(0), i32(64*mib), call(0)), nil, 1025)
	_, fuel, err := load(t, rt, once.module(t)).Call(t.Context(), wasm.Update, nil, wasm.Env{Fuel: wasm.MaxFuel}, newMemKV())
	if err != nil || fuel < 2*64*mib {
		t.Errorf("random_get of 64 MiB: got (%d fuel, %v), want success and at least %d fuel", fuel, err, 2*64*mib)
	}
}
