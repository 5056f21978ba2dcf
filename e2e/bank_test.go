package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// bankGuest is the test guest of testdata/bank: accounts, atomic
// transfers and a ledger that counts how often each transfer was applied.
const bankGuest = "github.com/synodhq/synod/e2e/testdata/bank"

// The bank workload's shape.
const (
	bankShard      = "bank"
	bankAccounts   = 10
	bankOpening    = 100 // each account's opening balance
	bankClients    = 8
	bankKills      = 4   // SIGKILLs of the leader's host
	bankProgress   = 100 // transfers that must succeed before each kill
	settleTimeout  = 90 * time.Second
	attemptTimeout = 2 * time.Second
)

// TestBankUnderLeaderKills is the proof that a keyed Propose runs exactly
// once. Three `synod host` processes and two `synod gateway` processes run
// a bank shard; concurrent clients make transfers, each with its own
// idempotency key, and retry every one whose outcome they do not know with
// the same command and key until they do, through the gateways in turn,
// while the test SIGKILLs the host that leads the shard several times
// (restarting it each time) and then one of the gateways. At the end the
// total is what the accounts opened with, every transfer a client saw
// succeed is in the ledger exactly once and no other transfer is, and each
// account's balance is what the acknowledged transfers make it.
func TestBankUnderLeaderKills(t *testing.T) {
	t.Parallel() // it mostly waits: for elections and restarts
	pc := startProcessCluster(t, 3)
	gw, gw2 := pc.gateway(t), pc.gateway(t)
	hc := pc.client(t)
	createShards(t, hc, gw.addr, testwasm.Build(t, bankGuest), 3, 1, func(int) string { return bankShard })
	shard, err := synodv1connect.NewShardServiceClient(hc, gw.addr).GetShard(t.Context(), connect.NewRequest(&synodv1.GetShardRequest{Name: bankShard}))
	if err != nil {
		t.Fatalf("get shard: %v", err)
	}
	b := &bank{t: t, shard: shard.Msg.GetShard(),
		data:    []synodv1connect.DataServiceClient{synodv1connect.NewDataServiceClient(hc, gw.addr), synodv1connect.NewDataServiceClient(hc, gw2.addr)},
		done:    make(map[string]transfer),
		retried: make(map[connect.Code]int)}
	for i, url := range pc.urls {
		b.hosts = append(b.hosts, hostapi.NewClient(uint64(i+1), url, hc))
	}
	for i := range bankAccounts {
		if _, err := b.settle(0, fmt.Sprintf("open-%d", i), fmt.Sprintf("open %s %d", account(i), bankOpening)); err != nil {
			t.Fatalf("open %s: %v", account(i), err)
		}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait) // before the processes stop; t.Context() ends the clients
	for c := range bankClients {
		wg.Go(func() { b.client(c, stop) })
	}
	for k := 0; k < bankKills && !t.Failed(); k++ {
		b.failover(t, pc, k)
	}
	// The clients of the second gateway go on through the first one.
	gw2.kill(t)
	b.waitProgress(t)
	t.Logf("SIGKILLed the second gateway; its clients went on through the first")
	close(stop)
	wg.Wait()
	if t.Failed() {
		return
	}
	b.check(t)
}

// bank drives the bank workload and records what its clients saw.
type bank struct {
	t     *testing.T
	data  []synodv1connect.DataServiceClient // one per gateway
	shard *synodv1.Shard
	hosts []*hostapi.Client // by host id - 1

	replays, refused atomic.Int64
	// killed is when the test last killed a host, and resumed when a
	// transfer started since first succeeded, or 0 (Unix nanoseconds).
	killed, resumed atomic.Int64

	mu      sync.Mutex
	done    map[string]transfer  // the transfers the shard acknowledged, by key
	retried map[connect.Code]int // the clients' retries, by the error's code
}

// transfer is one transfer a client made.
type transfer struct {
	from, to, amount int
}

func account(i int) string { return fmt.Sprintf("acct%02d", i) }

func (tr transfer) command(key string) string {
	return fmt.Sprintf("transfer %s %s %s %d", key, account(tr.from), account(tr.to), tr.amount)
}

// client makes random transfers until stop is closed, settling each one
// before it looks at stop.
func (b *bank) client(c int, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(uint64(c), 13))
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		tr := transfer{from: rng.IntN(bankAccounts), to: rng.IntN(bankAccounts - 1), amount: 1 + rng.IntN(bankOpening/2)}
		if tr.to >= tr.from {
			tr.to++
		}
		key := fmt.Sprintf("c%d-%05d", c, n)
		start := time.Now().UnixNano()
		res, err := b.settle(c, key, tr.command(key))
		var ce *connect.Error
		switch {
		case err == nil:
			if !strings.HasPrefix(string(res.GetResult()), key+" ") {
				b.t.Errorf("transfer %s: result %q is not its own", key, res.GetResult())
			}
			b.mu.Lock()
			b.done[key] = tr
			b.mu.Unlock()
			if start > b.killed.Load() {
				b.resumed.CompareAndSwap(0, time.Now().UnixNano())
			}
		case errors.As(err, &ce) && isApplicationError(ce):
			b.refused.Add(1) // an overdraft: a definite outcome
		default:
			return // settle failed the test
		}
	}
}

// settle proposes a keyed command until its outcome is known, with the
// same command and key every time, through each gateway in turn from the
// gateway'th (so that a retry reaches another gateway than the try
// before): it returns the response, or the module's application error.
// Any other failure fails the test, unless the test has ended.
func (b *bank) settle(gateway int, key, cmd string) (*synodv1.ProposeResponse, error) {
	deadline := time.Now().Add(settleTimeout)
	backoff := 20 * time.Millisecond
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(b.t.Context(), attemptTimeout)
		res, err := b.data[(gateway+attempt)%len(b.data)].Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: bankShard, Command: []byte(cmd), IdempotencyKey: key}))
		cancel()
		var ce *connect.Error
		switch {
		case b.t.Context().Err() != nil:
			return nil, err // the test ended
		case err == nil:
			if res.Msg.GetReplayed() {
				b.replays.Add(1)
			}
			return res.Msg, nil
		case errors.As(err, &ce) && isApplicationError(ce):
			return nil, err
		case !outcomeUnknown(err):
			b.t.Errorf("%s: %v, an error that is neither an outcome nor retryable", cmd, err)
			return nil, err
		case time.Now().After(deadline):
			b.t.Errorf("%s: outcome still unknown after %v: %v", cmd, settleTimeout, err)
			return nil, err
		}
		b.mu.Lock()
		b.retried[connect.CodeOf(err)]++
		b.mu.Unlock()
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
}

// isApplicationError reports whether a failed Propose is the module's
// refusal, a definite outcome.
func isApplicationError(ce *connect.Error) bool {
	_, ok := errorDetail[*synodv1.ApplicationError](ce)
	return ce.Code() == connect.CodeFailedPrecondition && ok
}

// outcomeUnknown reports whether a failed Propose may or may not have been
// applied: the gateway says so, or says that it could not reach the shard,
// or no gateway answered at all (a connection that failed, which
// connect-go may even call canceled). The caller must send it again, with
// its key, to learn its outcome.
func outcomeUnknown(err error) bool {
	var ce *connect.Error
	if !errors.As(err, &ce) || !connect.IsWireError(ce) {
		return true
	}
	if pf, ok := errorDetail[*synodv1.ProposeFailure](ce); ok && pf.GetApplied() == synodv1.Applied_APPLIED_UNKNOWN {
		return true
	}
	return ce.Code() == connect.CodeUnavailable || ce.Code() == connect.CodeDeadlineExceeded
}

// acknowledged returns how many transfers the shard acknowledged.
func (b *bank) acknowledged() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.done)
}

// waitProgress waits until the clients have made bankProgress more
// transfers.
func (b *bank) waitProgress(t *testing.T) {
	t.Helper()
	target := b.acknowledged() + bankProgress
	waitFor(t, 60*time.Second, func() bool { return b.acknowledged() >= target || t.Failed() })
}

// failover lets the clients make progress, SIGKILLs the host that leads
// the shard, waits for another to lead it and for a transfer made since to
// succeed, restarts the killed host and waits for its replica to catch up.
func (b *bank) failover(t *testing.T, pc *processCluster, k int) {
	t.Helper()
	b.waitProgress(t)
	var leader uint64
	waitFor(t, 30*time.Second, func() bool { leader = b.leader(); return leader != 0 })
	pc.hosts[leader-1].kill(t)
	killed := time.Now()
	b.killed.Store(killed.UnixNano())
	b.resumed.Store(0)
	var next uint64
	waitFor(t, 30*time.Second, func() bool { next = b.leader(); return next != 0 && next != leader })
	elected := time.Since(killed)
	waitFor(t, 30*time.Second, func() bool { return b.resumed.Load() != 0 || t.Failed() })
	resumed := time.Unix(0, b.resumed.Load()).Sub(killed)
	pc.start(t, int(leader)-1)
	target := b.applied(next)
	waitFor(t, 60*time.Second, func() bool { return b.applied(leader) >= target })
	t.Logf("failover %d: SIGKILLed h%d, which led; h%d led %v later, a transfer made since succeeded %v after the kill; h%d restarted and caught up to index %d %v after it",
		k+1, leader, next, elected.Round(time.Millisecond), resumed.Round(time.Millisecond), leader, target, time.Since(killed).Round(time.Millisecond))
}

// leader returns the id of the host whose replica leads the shard, as that
// host itself says, or 0.
func (b *bank) leader() uint64 {
	for i, h := range b.hosts {
		id := uint64(i + 1)
		if st := statusOf(h, b.shard.GetId()); st.HasLeader && b.hostOf(st.LeaderReplicaID) == id {
			return id
		}
	}
	return 0
}

// hostOf returns the id of the host that runs a replica of the shard.
func (b *bank) hostOf(replicaID uint64) uint64 {
	for _, r := range b.shard.GetReplicas() {
		if r.GetReplicaId() == replicaID {
			return r.GetHostId()
		}
	}
	return 0
}

// applied returns the index a host's replica has applied, 0 if the host
// cannot be asked.
func (b *bank) applied(hostID uint64) uint64 {
	return statusOf(b.hosts[hostID-1], b.shard.GetId()).AppliedIndex
}

// check compares the shard with the model of what the clients saw: the
// opening balances moved by each acknowledged transfer, once.
func (b *bank) check(t *testing.T) {
	t.Helper()
	want := make(map[string]int)
	for i := range bankAccounts {
		want[account(i)] = bankOpening
	}
	for _, tr := range b.done {
		want[account(tr.from)] -= tr.amount
		want[account(tr.to)] += tr.amount
	}
	total := 0
	for acct, got := range b.lines(t, "balances") {
		total += got
		if got != want[acct] {
			t.Errorf("account %s holds %d; the acknowledged transfers make it %d", acct, got, want[acct])
		}
	}
	if total != bankAccounts*bankOpening {
		t.Errorf("the accounts hold %d in all, not the %d they opened with", total, bankAccounts*bankOpening)
	}
	ledger := b.ledger(t)
	for key, n := range ledger {
		if _, ok := b.done[key]; !ok || n != 1 {
			t.Errorf("transfer %s was applied %d times; acknowledged: %v", key, n, ok)
		}
	}
	for key := range b.done {
		if _, ok := ledger[key]; !ok {
			t.Errorf("acknowledged transfer %s is not in the ledger", key)
		}
	}
	t.Logf("%d transfers acknowledged, %d in the ledger, %d refused as overdrafts; clients' retries by code %v; %d replayed results; %d failovers; total %d, opened with %d",
		len(b.done), len(ledger), b.refused.Load(), b.retried, b.replays.Load(), bankKills, total, bankAccounts*bankOpening)
}

// ledger reads the whole ledger, a page at a time.
func (b *bank) ledger(t *testing.T) map[string]int {
	t.Helper()
	all := make(map[string]int)
	for after := ""; ; {
		page := b.lines(t, strings.TrimSpace("ledger "+after))
		if len(page) == 0 {
			return all
		}
		for key, n := range page {
			all[key] = n
			after = max(after, key)
		}
	}
}

// lines runs a query whose result is "NAME NUMBER" lines.
func (b *bank) lines(t *testing.T, q string) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	res, err := b.data[0].Query(ctx, connect.NewRequest(&synodv1.QueryRequest{
		Shard: bankShard, Query: []byte(q), Consistency: synodv1.Consistency_CONSISTENCY_LINEARIZABLE,
	}))
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	out := make(map[string]int)
	sc := bufio.NewScanner(strings.NewReader(string(res.Msg.GetResult())))
	for sc.Scan() {
		name, num, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.Atoi(num)
		if !ok || err != nil {
			t.Fatalf("query %q: bad line %q", q, sc.Text())
		}
		out[name] = n
	}
	return out
}
