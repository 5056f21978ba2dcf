package host

import "testing"

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
