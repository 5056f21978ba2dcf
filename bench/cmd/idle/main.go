// Command idle is make bench-idle: what idle shards cost Synod as users
// deploy it. For each number of shards it starts a fresh cluster of three
// synod host processes and a gateway, creates that many shards of the kv
// example (timing it), lets them settle, and then measures, with no load,
// each host's CPU (from /proc, so other work on the machine does not
// count) and resident memory, and the first call on each of up to
// firstCalls shards that have been idle all along (one call is one sample
// of a wide spread). Then it restarts one host and measures its cold start:
// how long until it answers a query, until every shard's replica on it is
// ready (it runs the replica and knows a leader, or the replica sleeps
// until called: see host/hibernate.go), and the first linearizable
// queries through the gateway after that, one on each of up to firstCalls
// shards (with more than twice that many, shards the first calls left
// asleep), about a third of which had their leader on the restarted host.
// Last, it makes the first call on up to burstCalls shards that have been
// idle all along at once, as a fleet of functions waking together would:
// how long each waited, and the hosts' CPU a shard woken.
//
//	idle --synod bin/synod --kv examples/kv/kv.wasm --shards 0,100,1000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/synodhq/synod/bench/internal/procs"

	hostv1 "github.com/synodhq/synod/proto/synod/host/v1"
	"github.com/synodhq/synod/proto/synod/host/v1/hostv1connect"
	synod "github.com/synodhq/synod/sdk/go"
)

func main() {
	bin := flag.String("synod", "synod", "`PATH` of the synod binary")
	kv := flag.String("kv", "examples/kv/kv.wasm", "`FILE` of the kv example module")
	counts := flag.String("shards", "0,100,1000", "comma-separated `NUMBERS` of shards to measure, each on a fresh cluster")
	settle := flag.Duration("settle", 20*time.Second, "how long the shards idle before the measurement")
	window := flag.Duration("window", 30*time.Second, "how long the measurement lasts")
	creators := flag.Int("creators", 8, "`N` shards created at a time")
	hibernate := flag.Duration("hibernate-after", 0, "the hosts' --hibernate-after (0: their default)")
	flag.Parse()
	var hostArgs []string
	if *hibernate != 0 {
		hostArgs = append(hostArgs, "--hibernate-after", hibernate.String())
	}
	var ns []int
	for _, s := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fmt.Fprintf(os.Stderr, "idle: --shards %q: want numbers\n", *counts)
			os.Exit(2)
		}
		ns = append(ns, n)
	}
	var restarts, bursts []string
	fmt.Println("| shards | creation | idle CPU of each host, % of a core | resident memory of each host | memory per replica | first call on an idle shard: median (range, calls) |")
	fmt.Println("| ---: | ---: | --- | --- | ---: | ---: |")
	var base uint64 // a host's memory with no shards, for the per-replica figure
	for _, n := range ns {
		r, err := measure(*bin, *kv, n, *settle, *window, *creators, hostArgs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "idle:", err)
			os.Exit(1)
		}
		if n == 0 {
			base = r.meanRSS()
		}
		perReplica := "—"
		if n > 0 && base > 0 {
			perReplica = fmt.Sprintf("%.0f KiB", float64(int64(r.meanRSS())-int64(base))/float64(n)/1024) // 3 replicas a shard, one a host
		}
		firstCall := "—"
		if n > 0 {
			firstCall = spread(r.firstCalls)
		}
		fmt.Printf("| %d | %.1f s | %s | %s | %s | %s |\n", n, r.create.Seconds(), percents(r.cpu), mebibytes(r.rss), perReplica, firstCall)
		if n > 0 {
			restarts = append(restarts, fmt.Sprintf("| %d | %s | %s | %s |", n, ms(r.cold.firstAnswer, 0), ms(r.cold.allServing, 0), spread(r.cold.firstQueries)))
		}
		if k := len(r.burst.calls); k > 0 {
			bursts = append(bursts, fmt.Sprintf("| %d | %d | %s | %s | %s |", n, k, percentile(r.burst.calls, 90), spread(r.burst.calls), ms(r.burst.cpu/time.Duration(k), 1)))
		}
	}
	printTable("| shards | restart to first answer | restart to every replica ready (serving, or asleep until called) | first linearizable query on a shard after that, through the gateway: median (range, shards) |",
		"| ---: | ---: | ---: | ---: |", restarts)
	printTable("| shards | idle shards called at once | p90 | first call on each: median (range, calls) | the hosts' CPU a shard woken |",
		"| ---: | ---: | ---: | ---: | ---: |", bursts)
}

// printTable prints a table of rows under header and its alignment line,
// after a blank line; nothing if there are no rows.
func printTable(header, align string, rows []string) {
	if len(rows) == 0 {
		return
	}
	fmt.Println()
	fmt.Println(header)
	fmt.Println(align)
	for _, row := range rows {
		fmt.Println(row)
	}
}

// ms formats d in milliseconds, with prec digits after the point.
func ms(d time.Duration, prec int) string {
	return fmt.Sprintf("%.*f ms", prec, float64(d)/float64(time.Millisecond))
}

// spread formats durations as their median, their range and their
// count; it sorts d.
func spread(d []time.Duration) string {
	slices.Sort(d)
	return fmt.Sprintf("%s (%s–%s, %d)", ms(d[len(d)/2], 1), ms(d[0], 1), ms(d[len(d)-1], 1), len(d))
}

// percentile formats the p-th percentile of d; it sorts d.
func percentile(d []time.Duration, p int) string {
	slices.Sort(d)
	return ms(d[(len(d)-1)*p/100], 1)
}

// result is one cluster's measurement.
type result struct {
	create time.Duration
	cpu    []float64 // each host's, percent of a core
	rss    []uint64  // each host's, bytes
	// firstCalls are the first calls on idle shards, one each.
	firstCalls []time.Duration
	cold       coldStart
	burst      burst
}

// burst is the first calls on idle shards made all at once.
type burst struct {
	calls []time.Duration // each call's, by shard
	cpu   time.Duration   // the hosts' CPU in all, until the last answer
}

// coldStart is what a restarted host took, from the moment it was
// started again.
type coldStart struct {
	firstAnswer time.Duration // until it answered a stale query
	allServing  time.Duration // until every replica on it served, or slept until called
	// firstQueries are the first queries after that, through the
	// gateway, one a shard.
	firstQueries []time.Duration
}

func (r result) meanRSS() uint64 {
	var sum uint64
	for _, b := range r.rss {
		sum += b
	}
	return sum / uint64(len(r.rss))
}

// firstCalls is how many idle shards a measurement makes its first call
// on, one after another.
const firstCalls = 20

// burstCalls is how many idle shards, at most, a measurement makes its
// first call on at once: those after the first firstCalls (which the
// cold start queries) and before the last firstCalls (which the first
// calls woke).
const burstCalls = 200

// measure starts a cluster, creates n shards, lets them settle and
// measures.
func measure(bin, kv string, n int, settle, window time.Duration, creators int, hostArgs []string) (result, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "synod-bench-idle-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	c, err := procs.StartSynod(ctx, bin, dir, 3, hostArgs...)
	if err != nil {
		return result{}, err
	}
	defer c.Stop()
	if err := c.Run(ctx, "namespace", "set-quota", "--shards", strconv.Itoa(max(n, 1))); err != nil {
		return result{}, err
	}
	client, err := synod.NewClient(c.URL, synod.WithToken(c.Token), synod.WithTimeout(time.Minute))
	if err != nil {
		return result{}, err
	}
	mod, err := client.UploadModuleFile(ctx, kv)
	if err != nil {
		return result{}, err
	}
	var r result
	start := time.Now()
	if err := createShards(ctx, client, mod.GetHash(), n, creators); err != nil {
		return result{}, err
	}
	r.create = time.Since(start)
	fmt.Fprintf(os.Stderr, "%d shards created in %v; settling for %v\n", n, r.create.Round(time.Millisecond), settle)
	time.Sleep(settle)
	hosts := c.Procs[:3]
	before := make([]time.Duration, len(hosts))
	for i, p := range hosts {
		if before[i], err = p.CPUTime(); err != nil {
			return result{}, err
		}
	}
	t0 := time.Now()
	time.Sleep(window)
	elapsed := time.Since(t0)
	for i, p := range hosts {
		after, err := p.CPUTime()
		if err != nil {
			return result{}, err
		}
		r.cpu = append(r.cpu, 100*float64(after-before[i])/float64(elapsed))
		rss, err := residentBytes(p.PID())
		if err != nil {
			return result{}, err
		}
		r.rss = append(r.rss, rss)
	}
	for i := n - 1; i >= max(n-firstCalls, 0); i-- {
		t := time.Now()
		if _, err := client.Propose(ctx, shardName(i), []byte(`{"op":"put","key":"a","value":"1"}`)); err != nil {
			return result{}, fmt.Errorf("first call on %s: %w", shardName(i), err)
		}
		r.firstCalls = append(r.firstCalls, time.Since(t))
	}
	if n > 0 {
		if r.cold, err = restartHost(ctx, c, client, n); err != nil {
			return result{}, fmt.Errorf("cold start: %w", err)
		}
	}
	if r.burst, err = wakeAtOnce(ctx, c.Procs[:3], client, firstCalls, min(n-firstCalls, firstCalls+burstCalls)); err != nil {
		return result{}, fmt.Errorf("first calls at once: %w", err)
	}
	return r, nil
}

// wakeAtOnce makes the first call on shards from to to-1 (none if to <=
// from) all at once, and measures each call and the hosts' CPU until the
// last answered.
func wakeAtOnce(ctx context.Context, hosts []*procs.Proc, client *synod.Client, from, to int) (burst, error) {
	if to <= from {
		return burst{}, nil
	}
	var before time.Duration
	for _, p := range hosts {
		t, err := p.CPUTime()
		if err != nil {
			return burst{}, err
		}
		before += t
	}
	b := burst{calls: make([]time.Duration, to-from)}
	errs := make([]error, to-from)
	var wg sync.WaitGroup
	for i := from; i < to; i++ {
		wg.Go(func() {
			t := time.Now()
			_, errs[i-from] = client.Propose(ctx, shardName(i), []byte(`{"op":"put","key":"a","value":"1"}`))
			b.calls[i-from] = time.Since(t)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return burst{}, err
	}
	for _, p := range hosts {
		t, err := p.CPUTime()
		if err != nil {
			return burst{}, err
		}
		b.cpu += t
	}
	b.cpu -= before
	return b, nil
}

// restartHost restarts the first host, then waits for it to answer a
// query, and for every one of the n shards' replicas on it to be ready.
func restartHost(ctx context.Context, c *procs.Cluster, client *synod.Client, n int) (coldStart, error) {
	ids := make([]uint64, n)
	for i := range n {
		sh, err := client.GetShard(ctx, shardName(i))
		if err != nil {
			return coldStart{}, err
		}
		ids[i] = sh.GetId()
	}
	h := hostv1connect.NewHostServiceClient(&http.Client{}, c.HostURLs[0])
	get := func(id uint64) *connect.Request[hostv1.QueryRequest] {
		return connect.NewRequest(&hostv1.QueryRequest{ShardId: id, Payload: []byte(`{"op":"get","key":"a"}`), Stale: true})
	}
	var cs coldStart
	start := time.Now()
	if err := c.Procs[0].Restart(); err != nil {
		return coldStart{}, err
	}
	deadline := start.Add(5 * time.Minute)
	for {
		callCtx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := h.Query(callCtx, get(ids[0]))
		cancel()
		if err == nil {
			cs.firstAnswer = time.Since(start)
			break
		}
		if time.Now().After(deadline) {
			return coldStart{}, fmt.Errorf("no answer from the restarted host in 5 minutes: %w", err)
		}
		time.Sleep(time.Millisecond)
	}
	next := make(chan uint64)
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	for range 16 {
		wg.Go(func() {
			for id := range next {
				for {
					var st *hostv1.ShardStatusResponse
					res, err := h.ShardStatus(ctx, connect.NewRequest(&hostv1.ShardStatusRequest{ShardId: id}))
					if err == nil {
						st = res.Msg
					}
					// A replica placed here serves, or sleeps until its
					// first call (see host/hibernate.go).
					if st.GetHasReplica() && (st.GetHasLeader() || st.GetHibernating()) && st.GetHalted() == nil {
						break
					}
					if time.Now().After(deadline) {
						mu.Lock()
						failed = fmt.Errorf("shard %d not serving on the restarted host in 5 minutes (%v, %v)", id, st, err)
						mu.Unlock()
						break
					}
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	for _, id := range ids[1:] {
		next <- id
	}
	close(next)
	wg.Wait()
	if failed != nil {
		return coldStart{}, failed
	}
	cs.allServing = time.Since(start)
	// A third of the shards had their leader on the restarted host: their
	// first calls wait for an election, if it is slow.
	for i := range min(n, firstCalls) {
		t := time.Now()
		if _, err := client.Query(ctx, shardName(i), []byte(`{"op":"get","key":"a"}`), synod.Linearizable); err != nil {
			return coldStart{}, fmt.Errorf("first query on %s after the restart: %w", shardName(i), err)
		}
		cs.firstQueries = append(cs.firstQueries, time.Since(t))
	}
	return cs, nil
}

func shardName(i int) string { return fmt.Sprintf("idle-%d", i) }

// createShards creates n shards, creators at a time.
func createShards(ctx context.Context, client *synod.Client, hash string, n, creators int) error {
	next := make(chan int)
	errs := make(chan error, creators)
	var wg sync.WaitGroup
	for range creators {
		wg.Go(func() {
			for i := range next {
				// 1 MiB each, so that thousands fit the default
				// namespace's quota of stored bytes.
				if _, err := client.CreateShard(ctx, shardName(i), hash, synod.ShardSettings{StoredBytesLimit: 1 << 20}); err != nil {
					errs <- fmt.Errorf("create %s: %w", shardName(i), err)
					return
				}
			}
		})
	}
	var err error
	for i := 0; i < n && err == nil; i++ {
		select {
		case next <- i:
		case err = <-errs:
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	for e := range errs {
		err = errors.Join(err, e)
	}
	return err
}

// residentBytes returns a process's resident memory.
func residentBytes(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if kib, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kib), "kB")), 10, 64)
			return n * 1024, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

func percents(v []float64) string {
	var s []string
	for _, x := range v {
		s = append(s, fmt.Sprintf("%.1f", x))
	}
	return strings.Join(s, " / ")
}

func mebibytes(v []uint64) string {
	var s []string
	for _, x := range v {
		s = append(s, fmt.Sprintf("%.0f MiB", float64(x)/(1<<20)))
	}
	return strings.Join(s, " / ")
}
