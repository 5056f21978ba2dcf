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
