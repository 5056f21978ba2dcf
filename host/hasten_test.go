package host

import "testing"

func TestCampaignNow(t *testing.T) {
	cases := []struct {
		why          string
		how          haste
		term, from   uint64
		quiet, heard bool
		want         bool
	}{
		{"a new shard's replica, before any election", campaignNew, 0, 0, false, false, true},
		{"a new shard's replica, an election begun", campaignNew, 1, 0, false, false, false},
		{"a new shard's replica that heard from a peer", campaignNew, 0, 0, false, true, false},
		{"a woken replica not stepped yet", campaignWoken, 0, 0, true, false, false},
		{"a woken replica, its shard quiet since it started", campaignWoken, 4, 4, true, false, true},
		{"a woken replica, before a heartbeat interval has passed", campaignWoken, 4, 4, false, false, false},
		{"a woken replica that heard from its shard", campaignWoken, 4, 4, true, true, false},
		{"a woken replica, an election begun", campaignWoken, 5, 4, true, false, false},
		{"a replica woken by a Raft message", stepOnly, 4, 4, true, false, false},
	}
	for _, c := range cases {
		if got := campaignNow(c.how, c.term, c.from, c.quiet, c.heard); got != c.want {
			t.Errorf("%s: campaignNow = %t, want %t", c.why, got, c.want)
		}
	}
}
