package raftnet

import (
	"log/slog"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4"
)

// TestCampaignElectsAtOnce runs a shard whose election timeout (30 s or
// more) outlasts the test, asks one replica to campaign, and sees it
// lead: only Campaign can have elected it. Step, given to every replica
// before, elects nobody.
func TestCampaignElectsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node hosts")
	}
	factories := make([]*Factory, 3)
	hosts := make([]*dragonboat.NodeHost, 3)
	members := make(map[uint64]dragonboat.Target)
	for i := range hosts {
		f, err := NewFactory(Config{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		factories[i], hosts[i] = f, startNodeHost(t, f)
		members[uint64(i+1)] = hosts[i].RaftAddress()
	}
	for i, nh := range hosts {
		cfg := shardConfig(uint64(i + 1))
		cfg.ElectionRTT, cfg.PreVote = 3000, true // 30 s at 10 ms a tick
		if err := nh.StartReplica(members, false, newCounter, cfg); err != nil {
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

	// A replica that has not applied its committed entries ignores the
	// request: ask until it is heard.
	const candidate = 2
	deadline := time.Now().Add(10 * time.Second)
	for {
		leader, term, ok, err := hosts[candidate-1].GetLeaderID(interopShard)
		if err == nil && ok {
			if leader != candidate {
				t.Fatalf("replica %d leads term %d; want replica %d, which was asked to campaign", leader, term, candidate)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leader 10 s after replica %d was asked to campaign (%v)", candidate, err)
		}
		factories[candidate-1].Campaign(interopShard, candidate)
		time.Sleep(5 * time.Millisecond)
	}
}
