package raftnet

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4"
	"github.com/lni/dragonboat/v4/config"
)

// TestStepThenCampaign runs a shard whose election timeout (30 s or
// more) outlasts the test. Step, given to every replica, elects nobody;
// Campaign (of Synod's copy of Dragonboat, which host/hasten.go uses with
// Step) elects the replica asked, at once; and a replica that restarted
// and knows no leader, asked to campaign while that leader lives, does
// not depose it, its pre-vote refused by peers that hear from the
// leader.
func TestStepThenCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node hosts")
	}
	factories, hosts, members := startThree(t, 10*time.Millisecond)
	for i, nh := range hosts {
		if err := nh.StartReplica(members, false, newCounter, slowShardConfig(uint64(i+1))); err != nil {
			t.Fatalf("start replica %d: %v", i+1, err)
		}
	}
	for i, f := range factories {
		for range 20 {
			f.Step(interopShard, uint64(i+1))
			time.Sleep(time.Millisecond)
		}
	}
	for i, nh := range hosts {
		if leader, _, ok, _ := nh.GetLeaderID(interopShard); ok {
			t.Fatalf("host %d sees leader %d after being stepped alone", i+1, leader)
		}
	}

	const candidate, rival = 2, 3
	term := campaignUntilLeader(t, hosts[candidate-1], candidate)
	// A follower that has voted but not yet heard from the new leader
	// knows no leader, and grants a pre-vote (in a CI run, replica 1 did
	// so and elected the rival): the rival restarts once every replica
	// knows the leader.
	waitUntilAllSeeLeader(t, hosts, candidate, term, "after the election")

	// A replica that knows a leader ignores Campaign: the rival
	// restarts, and knows none until the leader's next heartbeat. Its
	// pre-votes are refused: the leader's followers heard from it within
	// the election timeout.
	restart(t, hosts[rival-1], rival, members)
	unaware := 0
	for range 20 {
		if _, _, ok, _ := hosts[rival-1].GetLeaderID(interopShard); !ok {
			unaware++
		}
		if err := hosts[rival-1].Campaign(interopShard); err != nil {
			t.Fatalf("campaign: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if unaware == 0 {
		t.Fatalf("the restarted rival knew the leader at each of its campaigns, which it then ignored: nothing was tested")
	}
	// A replica forgets the leader while it seeks pre-votes, and learns
	// it again from the next heartbeat.
	waitUntilAllSeeLeader(t, hosts, candidate, term, "after the rival's campaigns")
}

// slowShardConfig is the config of a replica of TestStepThenCampaign's
// shard: a 30 s election timeout and a heartbeat every 5 s (at 10 ms a
// tick), so that a replica that restarts knows no leader for seconds.
func slowShardConfig(replica uint64) config.Config {
	cfg := shardConfig(replica)
	cfg.ElectionRTT, cfg.HeartbeatRTT, cfg.PreVote = 3000, 500, true
	return cfg
}

// restart stops nh's replica of the shard and starts it again, once
// dragonboat has let it go.
func restart(t *testing.T, nh *dragonboat.NodeHost, replica uint64, members map[uint64]dragonboat.Target) {
	t.Helper()
	if err := nh.StopShard(interopShard); err != nil {
		t.Fatalf("stop replica %d: %v", replica, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := nh.StartReplica(members, false, newCounter, slowShardConfig(replica))
		if err == nil {
			return
		}
		if !errors.Is(err, dragonboat.ErrShardAlreadyExist) || time.Now().After(deadline) {
			t.Fatalf("restart replica %d: %v", replica, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitUntilAllSeeLeader waits until every host sees replica leader of
// term lead the shard, and fails if one sees another, or none in 10 s.
// when says at what point of the test, for the failure's message.
func waitUntilAllSeeLeader(t *testing.T, hosts []*dragonboat.NodeHost, replica, term uint64, when string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for i, nh := range hosts {
		for {
			leader, now, ok, err := nh.GetLeaderID(interopShard)
			if err == nil && ok {
				if leader != replica || now != term {
					t.Fatalf("host %d sees leader %d of term %d %s; want replica %d of term %d",
						i+1, leader, now, when, replica, term)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("host %d knows no leader 10 s %s (%v)", i+1, when, err)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// campaignUntilLeader asks nh's replica of the shard to campaign until it
// leads, and returns its term. A replica that has not applied its
// committed entries ignores the request: it is asked until heard.
func campaignUntilLeader(t *testing.T, nh *dragonboat.NodeHost, replica uint64) uint64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		leader, term, ok, err := nh.GetLeaderID(interopShard)
		if err == nil && ok {
			if leader != replica {
				t.Fatalf("replica %d leads term %d; want replica %d, which was asked to campaign", leader, term, replica)
			}
			return term
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leader 10 s after replica %d was asked to campaign (%v)", replica, err)
		}
		if err := nh.Campaign(interopShard); err != nil {
			t.Fatalf("campaign: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFirstRequestKeepsItsDeadline makes a proposal on a replica elected
// (by Campaign) before its first tick, on a host that had ticked for
// longer than the proposal's timeout, and has it wait for a peer that
// starts after that tick: it commits. Dragonboat timed a replica's
// requests out on a clock that its first tick set to the host's tick
// count; a request made before that tick got a deadline near zero,
// which the tick put far in the past, and failed as timed out at the
// next step (Synod's copy starts the clock at the host's count: see
// third_party/dragonboat/README.synod.md). Ticks are 250 ms apart here,
// so that the election comes before the first tick almost always; the
// test can pass without the fix only when it does not.
func TestFirstRequestKeepsItsDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node hosts")
	}
	const rtt = 250 * time.Millisecond
	const timeout = 2 * time.Second // 8 ticks
	factories, hosts, members := startThree(t, rtt)
	// The hosts' tick counts pass the proposal's timeout in ticks.
	time.Sleep(timeout + timeout/2)
	start := func(i int) {
		cfg := shardConfig(uint64(i + 1))
		cfg.ElectionRTT, cfg.HeartbeatRTT, cfg.PreVote = 100, 1, true
		if err := hosts[i].StartReplica(members, false, newCounter, cfg); err != nil {
			t.Fatalf("start replica %d: %v", i+1, err)
		}
	}
	// Replicas 1 and 2 elect 1, each stepped every millisecond so that
	// neither waits for a tick to handle what comes.
	start(0)
	start(1)
	for {
		if _, _, ok, err := hosts[0].GetLeaderID(interopShard); err == nil && ok {
			break
		}
		_ = hosts[0].Campaign(interopShard)
		for i := range 2 {
			factories[i].Step(interopShard, uint64(i+1))
		}
		time.Sleep(time.Millisecond)
	}
	// Without replica 2, the proposal waits for replica 3.
	if err := hosts[1].StopShard(interopShard); err != nil {
		t.Fatalf("stop replica 2: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	proposed := make(chan error, 1)
	go func() {
		_, err := hosts[0].SyncPropose(ctx, hosts[0].GetNoOPSession(interopShard), []byte("x"))
		proposed <- err
	}()
	// Replica 3 starts once replica 1 has ticked.
	time.Sleep(2 * rtt)
	start(2)
	if err := <-proposed; err != nil {
		t.Fatalf("first proposal: %v", err)
	}
}

// startThree starts three NodeHosts with raftnet's transport whose Raft
// clocks tick every rtt, and returns their factories, the hosts, and the
// members of a shard with replica i+1 on host i.
func startThree(t *testing.T, rtt time.Duration) ([]*Factory, []*dragonboat.NodeHost, map[uint64]dragonboat.Target) {
	t.Helper()
	return startThreeWith(t, func(_ int, f *Factory) *dragonboat.NodeHost { return startNodeHostTicking(t, f, rtt) })
}

// startThreeWith is startThree with host i started by start, given a
// raftnet transport of its own.
func startThreeWith(t *testing.T, start func(i int, f *Factory) *dragonboat.NodeHost) ([]*Factory, []*dragonboat.NodeHost, map[uint64]dragonboat.Target) {
	t.Helper()
	factories := make([]*Factory, 3)
	hosts := make([]*dragonboat.NodeHost, 3)
	members := make(map[uint64]dragonboat.Target)
	for i := range hosts {
		f, err := NewFactory(Config{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		factories[i], hosts[i] = f, start(i, f)
		members[uint64(i+1)] = hosts[i].RaftAddress()
	}
	return factories, hosts, members
}
