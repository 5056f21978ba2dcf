package raft

import (
	"testing"

	"github.com/lni/dragonboat/v4/config"
	pb "github.com/lni/dragonboat/v4/raftpb"
)

// emptyLogDB is an ILogDB with no entries, no snapshot and three voters:
// the raft under test keeps its entries in memory.
type emptyLogDB struct{}

func (emptyLogDB) GetRange() (uint64, uint64)       { return 1, 0 }
func (emptyLogDB) SetRange(uint64, uint64)          {}
func (emptyLogDB) SetState(pb.State)                {}
func (emptyLogDB) CreateSnapshot(pb.Snapshot) error { return nil }
func (emptyLogDB) ApplySnapshot(pb.Snapshot) error  { return nil }
func (emptyLogDB) Snapshot() pb.Snapshot            { return pb.Snapshot{} }
func (emptyLogDB) Compact(uint64) error             { return nil }
func (emptyLogDB) Append([]pb.Entry) error          { return nil }
func (emptyLogDB) Term(index uint64) (uint64, error) {
	if index == 0 {
		return 0, nil
	}
	return 0, ErrUnavailable
}
func (emptyLogDB) Entries(uint64, uint64, uint64) ([]pb.Entry, error) { return nil, ErrUnavailable }
func (emptyLogDB) NodeState() (pb.State, pb.Membership) {
	return pb.State{}, pb.Membership{Addresses: map[uint64]string{1: "a1", 2: "a2", 3: "a3"}}
}

// deferredTarget returns replica 2 of a three-voter shard, a follower of
// replica 1 in term 1 with entries 1 to 5 committed and 1 to 3 applied,
// to which replica 1's TimeoutNow has just come: it defers the campaign.
func deferredTarget(t *testing.T) *raft {
	t.Helper()
	r := newRaft(config.Config{ShardID: 1, ReplicaID: 2, ElectionRTT: 10, HeartbeatRTT: 1}, emptyLogDB{})
	r.becomeFollower(1, 1)
	var ents []pb.Entry
	for i := uint64(1); i <= 5; i++ {
		ents = append(ents, pb.Entry{Index: i, Term: 1})
	}
	r.log.append(ents)
	r.log.commitTo(5)
	r.setApplied(3)
	if err := r.Handle(pb.Message{Type: pb.TimeoutNow, From: 1, To: 2, Term: 1}); err != nil {
		t.Fatal(err)
	}
	if r.state != follower || r.term != 1 || r.transferTerm != 1 {
		t.Fatalf("after TimeoutNow with entries to apply: state %s, term %d, deferred term %d; want a follower in term 1 that deferred", r.state, r.term, r.transferTerm)
	}
	return r
}

// Synod (README.synod.md, change 13): a leader transfer's target with
// committed entries to apply campaigns once it has applied them, and not
// if its term changed, its log grew (the leader gave the transfer up) or
// half an election timeout passed.
func TestTransferCampaignWaitsForApplied(t *testing.T) {
	for _, tc := range []struct {
		name     string
		between  func(r *raft)
		campaign bool
	}{
		{"applied", func(*raft) {}, true},
		{"term changed", func(r *raft) { r.becomeFollower(2, 3) }, false},
		{"log grew", func(r *raft) { r.log.append([]pb.Entry{{Index: 6, Term: 1}}) }, false},
		{"window passed", func(r *raft) { r.tickCount += r.electionTimeout/2 + 1 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := deferredTarget(t)
			// Still applying: nothing yet.
			if err := r.campaignForTransfer(); err != nil || r.state != follower {
				t.Fatalf("with entries still to apply: state %s, err %v; want a follower", r.state, err)
			}
			tc.between(r)
			r.setApplied(5)
			if err := r.campaignForTransfer(); err != nil {
				t.Fatal(err)
			}
			if got := r.state == candidate; got != tc.campaign {
				t.Fatalf("state %s in term %d, want a campaign: %v", r.state, r.term, tc.campaign)
			}
			if r.transferTerm != 0 {
				t.Fatal("the deferred campaign is still pending")
			}
		})
	}
}
