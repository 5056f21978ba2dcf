package steer_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/synodhq/synod/host/internal/steer"
	"github.com/synodhq/synod/host/meta"
)

func TestMetaVoters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		hosts int
		want  int
	}{
		{name: "no host", hosts: 0, want: 0},
		{name: "one host", hosts: 1, want: 1},
		{name: "two hosts", hosts: 2, want: 2},
		{name: "three hosts", hosts: 3, want: 3},
		{name: "four hosts keep three voters", hosts: 4, want: 3},
		{name: "five hosts", hosts: 5, want: 5},
		{name: "more than five hosts", hosts: 9, want: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := steer.MetaVoters(tt.hosts); got != tt.want {
				t.Errorf("MetaVoters(%d) = %d, want %d", tt.hosts, got, tt.want)
			}
		})
	}
}

// TestNextMeta checks single decisions for the meta shard, one per
// situation.
func TestNextMeta(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		hosts   map[uint64]meta.Host
		initial map[uint64]string
		m       steer.Membership
		self    uint64
		want    string
	}{
		{
			name:  "three hosts, three voters",
			hosts: upHosts(3),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want:  "meta: nothing to do",
		},
		{
			name:  "a new host joins as non-voting",
			hosts: with(upHosts(3), in(meta.HostJoining, up(4, 0))),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want:  "meta: add replica 4 of host 4 at h4:1 as non-voting",
		},
		{
			name:  "a draining host joins too",
			hosts: with(upHosts(3), in(meta.HostDraining, up(4, time.Hour))),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want:  "meta: add replica 4 of host 4 at h4:1 as non-voting",
		},
		{
			name:  "a removed host does not join",
			hosts: with(upHosts(3), in(meta.HostRemoved, down(4))),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want:  "meta: nothing to do",
		},
		{
			name:    "a host of the initial cluster that has not registered joins from the initial list",
			hosts:   upHosts(3),
			initial: addrs(1, 2, 3, 4),
			m:       members(ids(1, 2, 3)),
			self:    1,
			want:    "meta: add replica 4 of host 4 at h4:1 as non-voting",
		},
		{
			name:    "an unregistered host of the initial cluster is neither promoted nor removed",
			hosts:   upHosts(4),
			initial: addrs(1, 2, 3, 4, 5),
			m:       members(ids(1, 2, 3), 4, 5),
			self:    1,
			want:    "meta: nothing to do",
		},
		{
			name:  "a member no host or initial member accounts for stays",
			hosts: upHosts(3),
			m:     members(ids(1, 2, 3), 9),
			self:  1,
			want:  "meta: nothing to do",
		},
		{
			name:  "four hosts keep three voters",
			hosts: upHosts(4),
			m:     members(ids(1, 2, 3), 4),
			self:  1,
			want:  "meta: nothing to do",
		},
		{
			name:  "five hosts: the lowest non-voting is promoted",
			hosts: upHosts(5),
			m:     members(ids(1, 2, 3), 5, 4),
			self:  1,
			want:  "meta: promote replica 4 of host 4 to voter: 3 voters, 5 wanted",
		},
		{
			name:  "five hosts, four voters: the fifth is promoted",
			hosts: upHosts(5),
			m:     members(ids(1, 2, 3, 4), 5),
			self:  1,
			want:  "meta: promote replica 5 of host 5 to voter: 4 voters, 5 wanted",
		},
		{
			name:  "a host that has not proved it runs replicas is neither promoted nor counted: 4 hosts want 3 voters",
			hosts: with(upHosts(5), unproven(up(4, time.Hour))),
			m:     members(ids(1, 2, 3), 4, 5),
			self:  1,
			want:  "meta: nothing to do",
		},
		{
			name:  "a voter on a host that is down still counts as able to vote",
			hosts: with(upHosts(5), down(3)),
			m:     members(ids(1, 2, 3), 4, 5),
			self:  1,
			want:  "meta: promote replica 4 of host 4 to voter: 3 voters, 5 wanted",
		},
		{
			name:  "a non-voting member on a draining host neither counts nor is promoted",
			hosts: with(upHosts(5), in(meta.HostDraining, up(4, time.Hour))),
			m:     members(ids(1, 2, 3), 4, 5),
			self:  1,
			want:  "meta: nothing to do",
		},
		{
			name:  "a non-voting member on a host that is down neither counts nor is promoted",
			hosts: with(upHosts(5), down(5)),
			m:     members(ids(1, 2, 3), 4, 5),
			self:  1,
			want:  "meta: nothing to do",
		},
		{
			name:  "promotion passes over a non-voting member on a draining host",
			hosts: with(upHosts(6), in(meta.HostDraining, up(4, time.Hour))),
			m:     members(ids(1, 2, 3), 4, 5, 6),
			self:  1,
			want:  "meta: promote replica 5 of host 5 to voter: 3 voters, 5 wanted",
		},
		{
			name:  "a joining host is not promoted until it is active",
			hosts: with(upHosts(2), in(meta.HostJoining, up(3, 0))),
			m:     members(ids(1, 2), 3),
			self:  1,
			want:  "meta: nothing to do",
		},
		{
			name:  "fewer than three voters: up to three are promoted",
			hosts: upHosts(3),
			m:     members(ids(1, 2), 3),
			self:  1,
			want:  "meta: promote replica 3 of host 3 to voter: 2 voters, 3 wanted",
		},
		{
			name:  "a removed host's voter is deleted before another is promoted",
			hosts: with(upHosts(4), in(meta.HostRemoved, down(3))),
			m:     members(ids(1, 2, 3), 4),
			self:  1,
			want:  "meta: delete replica 3 of host 3: host removed",
		},
		{
			name:  "a removed host's voter, once deleted, is replaced",
			hosts: with(upHosts(4), in(meta.HostRemoved, down(3))),
			m:     members(ids(1, 2), 4),
			self:  1,
			want:  "meta: promote replica 4 of host 4 to voter: 2 voters, 3 wanted",
		},
		{
			name:  "a removed host's member is deleted",
			hosts: with(upHosts(4), in(meta.HostRemoved, down(3))),
			m:     members(ids(1, 2, 3, 4)),
			self:  1,
			want:  "meta: delete replica 3 of host 3: host removed",
		},
		{
			name:  "removed hosts' members go lowest id first",
			hosts: with(upHosts(5), in(meta.HostRemoved, down(4)), in(meta.HostRemoved, down(2))),
			m:     members(ids(1, 2, 3, 4, 5)),
			self:  1,
			want:  "meta: delete replica 2 of host 2: host removed",
		},
		{
			name:  "the leader's own host is removed: it hands leadership to another voter",
			hosts: with(upHosts(4), in(meta.HostRemoved, up(1, time.Hour))),
			m:     members(ids(1, 2, 3, 4)),
			self:  1,
			want:  "meta: transfer leadership to replica 2 of host 2: this leader's host is removed",
		},
		{
			name:  "the leader's own host is removed: it hands leadership to a voter, not a non-voting member",
			hosts: with(upHosts(5), in(meta.HostRemoved, up(1, time.Hour))),
			m:     members(ids(1, 3, 4, 5), 2),
			self:  1,
			want:  "meta: transfer leadership to replica 3 of host 3: this leader's host is removed",
		},
		{
			name:  "the leader's own host is removed and no other voter is left: wait",
			hosts: hosts(in(meta.HostRemoved, up(1, time.Hour)), in(meta.HostJoining, up(2, 0))),
			m:     members(ids(1), 2),
			self:  1,
			want:  "meta: wait: no other voter to hand leadership to",
		},
		{
			name:  "a replacement host at a removed host's address: the old member goes first",
			hosts: with(upHosts(2), in(meta.HostRemoved, down(3)), at(3, in(meta.HostJoining, up(4, 0)))),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want:  "meta: delete replica 3 of host 3: host removed",
		},
		{
			name:  "a replacement host at a removed host's address joins once the old member is gone",
			hosts: with(upHosts(2), in(meta.HostRemoved, down(3)), at(3, in(meta.HostJoining, up(4, 0)))),
			m:     members(ids(1, 2)),
			self:  1,
			want:  "meta: add replica 4 of host 4 at h3:1 as non-voting",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := maps.Clone(tt.hosts)
			got := steer.NextMeta(steer.MetaInput{Hosts: tt.hosts, Initial: tt.initial, Members: tt.m, Self: tt.self, Now: now})
			if got.String() != tt.want {
				t.Errorf("NextMeta = %q, want %q", got, tt.want)
			}
			if !maps.Equal(before, tt.hosts) {
				t.Errorf("NextMeta changed the hosts it was given")
			}
		})
	}
}

// TestNextMetaSequence takes the steps NextMeta decides, one after the
// other, on a model of the membership, until there is nothing to do, and
// checks their order.
func TestNextMetaSequence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		hosts map[uint64]meta.Host
		m     steer.Membership
		self  uint64
		want  []string
	}{
		{
			name:  "a fourth host joins and stays non-voting",
			hosts: upHosts(4),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want: []string{
				"meta: add replica 4 of host 4 at h4:1 as non-voting",
				"meta: nothing to do",
			},
		},
		{
			name:  "from 3 voters to 5",
			hosts: upHosts(5),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want: []string{
				"meta: add replica 4 of host 4 at h4:1 as non-voting",
				"meta: add replica 5 of host 5 at h5:1 as non-voting",
				"meta: promote replica 4 of host 4 to voter: 3 voters, 5 wanted",
				"meta: promote replica 5 of host 5 to voter: 4 voters, 5 wanted",
				"meta: nothing to do",
			},
		},
		{
			name:  "a dead voter replaced by a new host at its address",
			hosts: with(upHosts(2), in(meta.HostRemoved, down(3)), at(3, up(4, time.Second))),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want: []string{
				"meta: delete replica 3 of host 3: host removed",
				"meta: add replica 4 of host 4 at h3:1 as non-voting",
				"meta: promote replica 4 of host 4 to voter: 2 voters, 3 wanted",
				"meta: nothing to do",
			},
		},
		{
			name:  "the leader's host is removed",
			hosts: with(upHosts(4), in(meta.HostRemoved, up(1, time.Hour))),
			m:     members(ids(1, 2, 3), 4),
			self:  1,
			want: []string{
				"meta: transfer leadership to replica 2 of host 2: this leader's host is removed",
				"meta: delete replica 1 of host 1: host removed",
				"meta: promote replica 4 of host 4 to voter: 2 voters, 3 wanted",
				"meta: nothing to do",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			md := &model{hosts: tt.hosts, m: tt.m, self: tt.self}
			var got []string
			for len(got) < 2*len(tt.want)+1 {
				st := steer.NextMeta(steer.MetaInput{Hosts: md.hosts, Members: md.m, Self: md.self, Now: now})
				got = append(got, st.String())
				if !md.apply(st) {
					break
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("steps:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}
