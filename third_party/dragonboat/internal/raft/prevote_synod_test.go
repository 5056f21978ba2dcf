package raft

import (
	"testing"

	"github.com/lni/dragonboat/v4/config"
	pb "github.com/lni/dragonboat/v4/raftpb"
)

// preVoteFollower returns replica 2 of a three-voter shard (pre-vote and
// check-quorum on, as Synod runs every shard) in term 3, holding entries 1
// to 5 of term 1, all applied, that knows leader as its leader (NoLeader
// for none).
func preVoteFollower(t *testing.T, leader uint64) *raft {
	t.Helper()
	r := newRaft(config.Config{ShardID: 1, ReplicaID: 2, ElectionRTT: 10, HeartbeatRTT: 1, PreVote: true, CheckQuorum: true}, emptyLogDB{})
	r.becomeFollower(3, leader)
	var ents []pb.Entry
	for i := uint64(1); i <= 5; i++ {
		ents = append(ents, pb.Entry{Index: i, Term: 1})
	}
	r.log.append(ents)
	r.log.commitTo(5)
	r.setApplied(5)
	r.msgs = nil
	return r
}

// tickUntilNear ticks r electionTimeout/2+1 times, which is not enough
// for an election timeout that was not brought near (it is at least
// electionTimeout ticks), and reports whether r began a campaign.
func tickUntilNear(t *testing.T, r *raft) bool {
	t.Helper()
	for range r.electionTimeout/2 + 1 {
		if err := r.tick(); err != nil {
			t.Fatal(err)
		}
	}
	return r.state == preVoteCandidate
}

// Synod (README.synod.md, change 14): a follower that knows no leader and
// refuses a voter's pre-vote (a term or a log behind its own) campaigns
// within electionTimeout/2+1 of its ticks; one that grants it, knows a
// leader, is not a follower, or refuses a replica that is not a voter,
// keeps its election where it was.
func TestStalePreVoteNearsElection(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup readies the follower, which knows no leader unless it
		// says otherwise.
		setup func(r *raft)
		// from, term, logIndex: the pre-vote's sender, term (the
		// follower's is 3) and last index (of term 1).
		from, term, logIndex uint64
		// answer is the follower's: a RequestPreVoteResp, with reject,
		// or a NoOP, which tells a candidate of a lower term the current
		// one.
		answer pb.MessageType
		reject bool
		near   bool
	}{
		{"log behind", nil, 3, 4, 3, pb.RequestPreVoteResp, true, true},
		{"term behind", nil, 3, 2, 5, pb.NoOP, false, true},
		{"term the follower's", nil, 3, 3, 5, pb.RequestPreVoteResp, true, true},
		{"granted", nil, 3, 4, 5, pb.RequestPreVoteResp, false, false},
		{"a leader known, its lease run out", func(r *raft) {
			r.setLeaderID(1)
			r.electionTick = r.electionTimeout // else check-quorum drops the pre-vote
		}, 3, 4, 3, pb.RequestPreVoteResp, true, false},
		{"a leader known, term behind", func(r *raft) { r.setLeaderID(1) }, 3, 2, 5, pb.NoOP, false, false},
		{"not a voter", nil, 4, 4, 3, pb.RequestPreVoteResp, true, false},
		{"a candidate", func(r *raft) { r.becomeCandidate() }, 3, 4, 3, pb.RequestPreVoteResp, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Many times: the election comes a random number of ticks
			// after the pre-vote, and the timeout is random too.
			for range 50 {
				r := preVoteFollower(t, NoLeader)
				if tc.setup != nil {
					tc.setup(r)
					r.msgs = nil
				}
				before := r.electionTick
				if err := r.Handle(pb.Message{Type: pb.RequestPreVote, From: tc.from, To: 2, Term: tc.term, LogIndex: tc.logIndex, LogTerm: 1}); err != nil {
					t.Fatal(err)
				}
				if len(r.msgs) != 1 || r.msgs[0].Type != tc.answer || r.msgs[0].Reject != tc.reject {
					t.Fatalf("answer to the pre-vote: %+v; want one %s with Reject %t", r.msgs, tc.answer, tc.reject)
				}
				if !tc.near {
					if r.electionTick != before {
						t.Fatalf("election tick moved from %d to %d", before, r.electionTick)
					}
					continue
				}
				if !tickUntilNear(t, r) {
					t.Fatalf("state %s after %d ticks, want a campaign", r.state, r.electionTimeout/2+1)
				}
			}
		})
	}
}

// Synod (README.synod.md, change 14): a leader's message puts an election
// that a refused pre-vote brought near back at a whole timeout.
func TestLeaderMessageUndoesNearElection(t *testing.T) {
	for range 50 {
		r := preVoteFollower(t, NoLeader)
		if err := r.Handle(pb.Message{Type: pb.RequestPreVote, From: 3, To: 2, Term: 4, LogIndex: 3, LogTerm: 1}); err != nil {
			t.Fatal(err)
		}
		if err := r.Handle(pb.Message{Type: pb.Heartbeat, From: 1, To: 2, Term: 3}); err != nil {
			t.Fatal(err)
		}
		if r.leaderID != 1 {
			t.Fatalf("after a heartbeat of leader 1, the follower knows leader %d", r.leaderID)
		}
		if tickUntilNear(t, r) {
			t.Fatal("the follower campaigned although its leader spoke after the pre-vote")
		}
	}
}
