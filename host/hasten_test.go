package host

import (
	"context"
	"testing"

	"github.com/synodhq/synod/host/internal/fsm"
)

func TestCampaignNow(t *testing.T) {
	cases := []struct {
		why        string
		how        haste
		term, from uint64
		heard      bool
		want       bool
	}{
		{"a new shard's replica, before any election", campaignNew, 0, 0, false, true},
		{"a new shard's replica, stepped, before any election", campaignNew, 1, 0, false, true},
		{"a new shard's replica, stepped, that heard from a peer", campaignNew, 1, 0, true, false},
		{"a new shard's replica that heard from a peer", campaignNew, 0, 0, true, false},
		{"a woken replica not stepped yet", campaignWoken, 0, 0, false, false},
		{"a woken replica, stepped", campaignWoken, 4, 4, false, true},
		{"a woken replica that heard from its shard", campaignWoken, 4, 4, true, false},
		{"a woken replica, an election begun", campaignWoken, 5, 4, false, false},
		{"a replica woken by a Raft message", stepOnly, 4, 4, false, false},
	}
	for _, c := range cases {
		if got := campaignNow(c.how, c.term, c.from, c.heard); got != c.want {
			t.Errorf("%s: campaignNow = %t, want %t", c.why, got, c.want)
		}
	}
}

// TestAskCampaign follows one replica's sleeper through its starts: a
// call that needs the leader asks it to campaign once after it was woken
// to serve (by a stale read, or the reconciler), and never after it
// started new or was woken by a Raft message or by a call that needed
// the leader, which asked already.
func TestAskCampaign(t *testing.T) {
	var sl sleeper
	if sl.askCampaign() {
		t.Error("a replica that never started was asked to campaign")
	}
	sl.started(1)
	if sl.askCampaign() {
		t.Error("a new replica was asked to campaign by a call")
	}
	steps := []struct {
		cause wakeCause
		asks  []bool
	}{
		{wokenToServe, []bool{true, false}},
		{wokenByMessage, []bool{false}},
		{wokenToServe, []bool{true, false, false}},
		{wokenToLead, []bool{false}},
		{wokenToServe, []bool{true}},
	}
	for i, s := range steps {
		sl.wokeBy(int64(10*(i+1)), s.cause)
		for j, want := range s.asks {
			if got := sl.askCampaign(); got != want {
				t.Errorf("start %d (cause %d), call %d: askCampaign = %t, want %t", i, s.cause, j, got, want)
			}
		}
	}
	sl.wokeBy(100, wokenToServe)
	sl.started(200) // started new again: a replica removed and added back
	if sl.askCampaign() {
		t.Error("a replica woken to serve, then started new, was asked to campaign")
	}
}

// TestWaitAppliedAsksCampaign: an at-least-index read that waits for an
// index a replica woken to serve has not applied uses the replica's one
// ask for a campaign (its leader must send the entries, and its peers may
// sleep); one of an index it has applied, or of a replica woken by a Raft
// message, does not.
func TestWaitAppliedAsksCampaign(t *testing.T) {
	const shardID = 1024
	rs := newReplicaSet(Config{}, nil, nil, nil, nil)
	rs.machines[shardID] = fsm.New(shardID, nil, nil) // applied 0: never opened
	sl := rs.track(shardID, clock())
	done, cancel := context.WithCancel(t.Context())
	cancel() // the wait for an index not applied returns at once

	sl.wokeBy(clock(), wokenByMessage)
	if err := rs.waitApplied(done, shardID, 1); err == nil {
		t.Fatal("waitApplied of index 1 returned no error at applied index 0")
	}
	if sl.unasked.Load() != 0 || sl.askCampaign() {
		t.Error("a replica woken by a Raft message was asked to campaign")
	}

	sl.wokeBy(clock(), wokenToServe)
	if err := rs.waitApplied(t.Context(), shardID, 0); err != nil {
		t.Fatalf("waitApplied of the applied index: %v", err)
	}
	if sl.unasked.Load() == 0 {
		t.Error("a read of an index the replica applied used its ask for a campaign")
	}
	if err := rs.waitApplied(done, shardID, 1); err == nil {
		t.Fatal("waitApplied of index 1 returned no error at applied index 0")
	}
	if sl.unasked.Load() != 0 {
		t.Error("a read of an index the replica woken to serve lacks did not ask it to campaign")
	}
}
