package steer_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/synodhq/synod/host/internal/steer"
	"github.com/synodhq/synod/host/meta"
)

// replica places replica id on host.
func replica(id, host uint64) meta.Replica { return meta.Replica{ReplicaID: id, HostID: host} }

// learning places a joined replica that has not caught up yet.
func learning(id, host uint64) meta.Replica {
	return meta.Replica{ReplicaID: id, HostID: host, Joined: true, Learning: true}
}

// joined places a joined replica that has caught up.
func joined(id, host uint64) meta.Replica {
	return meta.Replica{ReplicaID: id, HostID: host, Joined: true}
}

// shard returns a shard created an hour ago whose preferred leader is
// replica 1.
func shard(replicas ...meta.Replica) meta.Shard {
	return meta.Shard{Name: "s", ID: 1024, Replicas: replicas, Leader: 1, CreateNanos: now - int64(time.Hour)}
}

// leaving returns s with replicas leaving.
func leaving(s meta.Shard, rs ...meta.Replica) meta.Shard {
	s.Leaving = rs
	return s
}

// led returns s with another preferred leader.
func led(s meta.Shard, leader uint64) meta.Shard {
	s.Leader = leader
	return s
}

// createdAgo returns s created d before now.
func createdAgo(s meta.Shard, d time.Duration) meta.Shard {
	s.CreateNanos = now - int64(d)
	return s
}

var three = []meta.Replica{replica(1, 1), replica(2, 2), replica(3, 3)}

// TestNext checks single decisions for a user shard, one per situation.
func TestNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		shard   meta.Shard
		hosts   map[uint64]meta.Host
		leaving map[uint64]bool
		m       steer.Membership
		self    uint64
		want    string
	}{
		{
			name:  "in line, the preferred replica leads",
			shard: shard(three...),
			hosts: upHosts(3),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want:  "s: nothing to do",
		},
		{
			name:  "a new replica joins as non-voting",
			shard: shard(replica(1, 1), replica(2, 2), learning(4, 4)),
			hosts: upHosts(4),
			m:     members(ids(1, 2)),
			self:  1,
			want:  "s: add replica 4 of host 4 at h4:1 as non-voting",
		},
		{
			name:  "catalogue replicas are added in catalogue order",
			shard: shard(replica(1, 1), learning(5, 5), learning(4, 4)),
			hosts: upHosts(5),
			m:     members(ids(1)),
			self:  1,
			want:  "s: add replica 5 of host 5 at h5:1 as non-voting",
		},
		{
			name:  "a learning non-voting replica is not promoted: wait",
			shard: shard(replica(1, 1), replica(2, 2), learning(4, 4)),
			hosts: upHosts(4),
			m:     members(ids(1, 2), 4),
			self:  1,
			want:  "s: wait: replica 4 of host 4 is learning",
		},
		{
			name:  "a non-voting replica that caught up is promoted",
			shard: shard(replica(1, 1), replica(2, 2), joined(4, 4)),
			hosts: upHosts(4),
			m:     members(ids(1, 2), 4),
			self:  1,
			want:  "s: promote replica 4 of host 4 to voter: caught up",
		},
		{
			name:  "a learning voter stays a voter: wait",
			shard: shard(replica(1, 1), replica(2, 2), learning(4, 4)),
			hosts: upHosts(4),
			m:     members(ids(1, 2, 4)),
			self:  1,
			want:  "s: wait: replica 4 of host 4 is learning",
		},
		{
			name:  "no removal while a replica learns",
			shard: leaving(shard(replica(1, 1), replica(2, 2), learning(4, 4)), replica(3, 3)),
			hosts: upHosts(4),
			m:     members(ids(1, 2, 3), 4),
			self:  1,
			want:  "s: wait: replica 4 of host 4 is learning",
		},
		{
			name:  "no leadership move while a replica learns",
			shard: led(shard(replica(1, 1), replica(2, 2), learning(4, 4)), 2),
			hosts: upHosts(4),
			m:     members(ids(1, 2), 4),
			self:  1,
			want:  "s: wait: replica 4 of host 4 is learning",
		},
		{
			name:  "a leaving replica is removed once every replica caught up",
			shard: leaving(shard(replica(1, 1), replica(2, 2), joined(4, 4)), replica(3, 3)),
			hosts: upHosts(4),
			m:     members(ids(1, 2, 3, 4)),
			self:  1,
			want:  "s: delete replica 3 of host 3: not in the catalogue",
		},
		{
			name:  "a leaving replica gone from the membership is recorded left",
			shard: leaving(shard(replica(1, 1), replica(2, 2), joined(4, 4)), replica(3, 3)),
			hosts: upHosts(4),
			m:     members(ids(1, 2, 4)),
			self:  1,
			want:  "s: record that replica 3 of host 3 left",
		},
		{
			name:  "recording left does not wait for a learning replica",
			shard: leaving(shard(replica(1, 1), replica(2, 2), learning(4, 4)), replica(3, 3)),
			hosts: upHosts(4),
			m:     members(ids(1, 2), 4),
			self:  1,
			want:  "s: record that replica 3 of host 3 left",
		},
		{
			name:  "promotion comes before recording left",
			shard: leaving(shard(replica(1, 1), replica(2, 2), joined(4, 4)), replica(3, 3)),
			hosts: upHosts(4),
			m:     members(ids(1, 2), 4),
			self:  1,
			want:  "s: promote replica 4 of host 4 to voter: caught up",
		},
		{
			name:  "a member the catalogue never had is removed",
			shard: shard(three...),
			hosts: upHosts(3),
			m:     members(ids(1, 2, 3), 9),
			self:  1,
			want:  "s: delete replica 9: not in the catalogue",
		},
		{
			name:  "dropped members go lowest id first",
			shard: leaving(shard(replica(1, 1), joined(4, 4), joined(5, 5)), replica(3, 3), replica(2, 2)),
			hosts: upHosts(5),
			m:     members(ids(1, 2, 3, 4, 5)),
			self:  1,
			want:  "s: delete replica 2 of host 2: not in the catalogue",
		},
		{
			name:  "a leaving leader hands over to the preferred replica",
			shard: leaving(led(shard(replica(1, 1), replica(2, 2), joined(4, 4)), 2), replica(3, 3)),
			hosts: upHosts(4),
			m:     members(ids(1, 2, 3, 4)),
			self:  3,
			want:  "s: transfer leadership to replica 2 of host 2: this leader is leaving",
		},
		{
			name:  "a leaving leader that was preferred hands over to the first replica",
			shard: leaving(led(shard(replica(2, 2), replica(1, 1), joined(4, 4)), 3), replica(3, 3)),
			hosts: upHosts(4),
			m:     members(ids(1, 2, 3, 4)),
			self:  3,
			want:  "s: transfer leadership to replica 2 of host 2: this leader is leaving",
		},
		{
			// Kept as it is: the preferred host being down stalls the
			// leader's removal until it is back (see the report of issue 9).
			name:  "a leaving leader hands over to the preferred replica even on a host that is down",
			shard: leaving(shard(replica(1, 1), replica(2, 2), joined(4, 4)), replica(3, 3)),
			hosts: with(upHosts(4), down(1)),
			m:     members(ids(1, 2, 3, 4)),
			self:  3,
			want:  "s: transfer leadership to replica 1 of host 1: this leader is leaving",
		},
		{
			name:  "a leaving leader with no replica to hand over to: wait",
			shard: leaving(shard(), replica(1, 1)),
			hosts: upHosts(1),
			m:     members(ids(1)),
			self:  1,
			want:  "s: wait: no replica to hand leadership to",
		},
		{
			name:  "a dropped member with a lower id goes before the leaving leader",
			shard: leaving(shard(replica(1, 1), joined(4, 4), joined(5, 5)), replica(2, 2), replica(3, 3)),
			hosts: upHosts(5),
			m:     members(ids(1, 2, 3, 4, 5)),
			self:  3,
			want:  "s: delete replica 2 of host 2: not in the catalogue",
		},
		{
			name:  "a replacement host at a gone host's address: the old member goes first",
			shard: leaving(shard(replica(1, 1), replica(2, 2), learning(4, 4)), replica(3, 3)),
			hosts: with(upHosts(2), in(meta.HostRemoved, down(3)), at(3, up(4, time.Second))),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want:  "s: delete replica 3 of host 3: replica 4 of host 4 takes over its address h3:1",
		},
		{
			name:  "a replacement host's old member goes even while another replica learns",
			shard: leaving(shard(replica(1, 1), learning(5, 5), learning(4, 4)), replica(3, 3), replica(2, 2)),
			hosts: with(upHosts(2), down(3), at(3, up(4, time.Second)), up(5, time.Hour)),
			m:     members(ids(1, 3), 5),
			self:  1,
			want:  "s: delete replica 3 of host 3: replica 4 of host 4 takes over its address h3:1",
		},
		{
			name:  "a replacement host at a gone host's address joins once the old member is gone",
			shard: leaving(shard(replica(1, 1), replica(2, 2), learning(4, 4)), replica(3, 3)),
			hosts: with(upHosts(2), in(meta.HostRemoved, down(3)), at(3, up(4, time.Second))),
			m:     members(ids(1, 2)),
			self:  1,
			want:  "s: add replica 4 of host 4 at h3:1 as non-voting",
		},
		{
			name:  "the preferred replica's host has been up long enough: leadership moves back",
			shard: shard(three...),
			hosts: with(upHosts(3), up(1, steer.RebalanceAfter)),
			m:     members(ids(1, 2, 3)),
			self:  2,
			want:  "s: transfer leadership to replica 1 of host 1: preferred leader, its host up for 30s",
		},
		{
			name:  "the preferred replica's host came back just now: leadership stays",
			shard: shard(three...),
			hosts: with(upHosts(3), up(1, steer.RebalanceAfter-time.Nanosecond)),
			m:     members(ids(1, 2, 3)),
			self:  2,
			want:  "s: nothing to do",
		},
		{
			name:  "the preferred replica's host is down: leadership stays",
			shard: shard(three...),
			hosts: with(upHosts(3), down(1)),
			m:     members(ids(1, 2, 3)),
			self:  2,
			want:  "s: nothing to do",
		},
		{
			name:  "a new shard: leadership moves to the preferred replica at once",
			shard: createdAgo(shard(three...), time.Second),
			hosts: with(upHosts(3), up(1, time.Second)),
			m:     members(ids(1, 2, 3)),
			self:  2,
			want:  "s: transfer leadership to replica 1 of host 1: preferred leader of a new shard",
		},
		{
			name:  "a new shard whose preferred host is down: leadership stays",
			shard: createdAgo(shard(three...), time.Second),
			hosts: with(upHosts(3), down(1)),
			m:     members(ids(1, 2, 3)),
			self:  2,
			want:  "s: nothing to do",
		},
		{
			name:    "a new shard whose preferred host is leaving: leadership stays",
			shard:   createdAgo(shard(three...), time.Second),
			hosts:   with(upHosts(3), up(1, time.Second)),
			leaving: map[uint64]bool{1: true},
			m:       members(ids(1, 2, 3)),
			self:    2,
			want:    "s: nothing to do",
		},
		{
			name:    "the preferred replica's host, up long enough, is leaving: leadership stays",
			shard:   shard(three...),
			hosts:   with(upHosts(3), up(1, steer.RebalanceAfter)),
			leaving: map[uint64]bool{1: true},
			m:       members(ids(1, 2, 3)),
			self:    2,
			want:    "s: nothing to do",
		},
		{
			name:    "another host is leaving: leadership moves back",
			shard:   shard(three...),
			hosts:   with(upHosts(3), up(1, steer.RebalanceAfter)),
			leaving: map[uint64]bool{3: true},
			m:       members(ids(1, 2, 3)),
			self:    2,
			want:    "s: transfer leadership to replica 1 of host 1: preferred leader, its host up for 30s",
		},
		{
			name:  "a shard just past new: the preferred host must have been up long enough",
			shard: createdAgo(shard(three...), steer.RebalanceAfter),
			hosts: with(upHosts(3), up(1, time.Second)),
			m:     members(ids(1, 2, 3)),
			self:  2,
			want:  "s: nothing to do",
		},
		{
			name:  "the preferred leader is no replica: leadership stays",
			shard: led(shard(three...), 9),
			hosts: upHosts(3),
			m:     members(ids(1, 2, 3)),
			self:  2,
			want:  "s: nothing to do",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			voters, nonVoting := maps.Clone(tt.m.Voters), maps.Clone(tt.m.NonVoting)
			got := steer.Next(steer.Input{Shard: tt.shard, Hosts: tt.hosts, Members: tt.m, Self: tt.self, Now: now, Leaving: tt.leaving})
			if got.String() != tt.want {
				t.Errorf("Next = %q, want %q", got, tt.want)
			}
			if !maps.Equal(voters, tt.m.Voters) || !maps.Equal(nonVoting, tt.m.NonVoting) {
				t.Errorf("Next changed the membership it was given")
			}
		})
	}
}

// TestNextSequence takes the steps Next decides, one after the other, on
// a model of the membership and catalogue, until there is nothing to do,
// and checks their order.
func TestNextSequence(t *testing.T) {
	t.Parallel()
	five := []meta.Replica{replica(1, 1), replica(2, 2), replica(3, 3), replica(4, 4), replica(5, 5)}
	tests := []struct {
		name  string
		shard meta.Shard
		hosts map[uint64]meta.Host
		m     steer.Membership
		self  uint64
		want  []string
	}{
		{
			name:  "draining a host of a shard at 5 replicas",
			shard: leaving(shard(append(five[:4:4], learning(6, 6))...), replica(5, 5)),
			hosts: with(upHosts(6), in(meta.HostDraining, up(5, time.Hour))),
			m:     members(ids(1, 2, 3, 4, 5)),
			self:  1,
			want: []string{
				"s: add replica 6 of host 6 at h6:1 as non-voting",
				"s: wait: replica 6 of host 6 is learning",
				"s: promote replica 6 of host 6 to voter: caught up",
				"s: delete replica 5 of host 5: not in the catalogue",
				"s: record that replica 5 of host 5 left",
				"s: nothing to do",
			},
		},
		{
			name:  "draining the leader's host of a shard at 5 replicas",
			shard: leaving(led(shard(append(five[:4:4], learning(6, 6))...), 2), replica(5, 5)),
			hosts: with(upHosts(6), in(meta.HostDraining, up(5, time.Hour))),
			m:     members(ids(1, 2, 3, 4, 5)),
			self:  5,
			want: []string{
				"s: add replica 6 of host 6 at h6:1 as non-voting",
				"s: wait: replica 6 of host 6 is learning",
				"s: promote replica 6 of host 6 to voter: caught up",
				"s: transfer leadership to replica 2 of host 2: this leader is leaving",
				"s: delete replica 5 of host 5: not in the catalogue",
				"s: record that replica 5 of host 5 left",
				"s: nothing to do",
			},
		},
		{
			name: "moving two replicas of a shard at 5 replicas at once",
			shard: leaving(shard(replica(1, 1), replica(2, 2), replica(3, 3), learning(6, 6), learning(7, 7)),
				replica(4, 4), replica(5, 5)),
			hosts: upHosts(7),
			m:     members(ids(1, 2, 3, 4, 5)),
			self:  1,
			want: []string{
				"s: add replica 6 of host 6 at h6:1 as non-voting",
				"s: add replica 7 of host 7 at h7:1 as non-voting",
				"s: wait: replica 6 of host 6 is learning",
				"s: promote replica 6 of host 6 to voter: caught up",
				"s: promote replica 7 of host 7 to voter: caught up",
				"s: delete replica 4 of host 4: not in the catalogue",
				"s: record that replica 4 of host 4 left",
				"s: delete replica 5 of host 5: not in the catalogue",
				"s: record that replica 5 of host 5 left",
				"s: nothing to do",
			},
		},
		{
			name:  "replacing a dead host by a new one at its address",
			shard: leaving(shard(replica(1, 1), replica(2, 2), learning(4, 4)), replica(3, 3)),
			hosts: with(upHosts(2), in(meta.HostRemoved, down(3)), at(3, up(4, time.Second))),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want: []string{
				"s: delete replica 3 of host 3: replica 4 of host 4 takes over its address h3:1",
				"s: add replica 4 of host 4 at h3:1 as non-voting",
				"s: record that replica 3 of host 3 left",
				"s: wait: replica 4 of host 4 is learning",
				"s: promote replica 4 of host 4 to voter: caught up",
				"s: nothing to do",
			},
		},
		{
			name:  "a new shard led by another replica than the preferred one",
			shard: createdAgo(led(shard(three...), 3), time.Second),
			hosts: upHosts(3),
			m:     members(ids(1, 2, 3)),
			self:  1,
			want: []string{
				"s: transfer leadership to replica 3 of host 3: preferred leader of a new shard",
				"s: nothing to do",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			md := &model{shard: tt.shard, hosts: tt.hosts, m: tt.m, self: tt.self}
			var got []string
			for len(got) < 2*len(tt.want)+1 {
				st := steer.Next(steer.Input{Shard: md.shard, Hosts: md.hosts, Members: md.m, Self: md.self, Now: now})
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
