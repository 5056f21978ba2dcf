package steer

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is what a [Step] does.
type Kind int

// The kinds of step, in no particular order; see the package doc for the
// order they are taken in.
const (
	// Nothing: the group is in line with the catalogue.
	Nothing Kind = iota
	// Wait: a step is due but must wait (for a learning replica to catch
	// up, or for a replica to hand leadership to); ask again later.
	Wait
	// AddNonVoting adds the replica as a non-voting member at Addr.
	AddNonVoting
	// Promote makes the non-voting member a voter.
	Promote
	// DeleteReplica removes the member from the group.
	DeleteReplica
	// RecordLeft records in the catalogue that the leaving replica is no
	// longer a member.
	RecordLeft
	// TransferLeader moves the group's leadership to the replica.
	TransferLeader
)

var kindNames = [...]string{
	Nothing:        "nothing",
	Wait:           "wait",
	AddNonVoting:   "add non-voting",
	Promote:        "promote",
	DeleteReplica:  "delete replica",
	RecordLeft:     "record left",
	TransferLeader: "transfer leader",
}

// String names the kind, for logs.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Step is one change towards the catalogue.
type Step struct {
	// Kind says what the step does.
	Kind Kind
	// Shard is the name of the shard ("meta" for the meta shard).
	Shard string
	// ReplicaID is the member the step adds, promotes, deletes, records or
	// hands leadership to.
	ReplicaID uint64
	// HostID is the replica's host, where known; for logs only.
	HostID uint64
	// Addr is the Raft address of the replica to add or promote.
	Addr string
	// Why says why the step is taken, for logs; may be empty.
	Why string
}

// String describes the step in one line, for logs and test tables.
func (s Step) String() string {
	var b strings.Builder
	b.WriteString(s.Shard + ": ")
	switch s.Kind {
	case Nothing:
		b.WriteString("nothing to do")
	case Wait:
		b.WriteString("wait")
	case AddNonVoting:
		fmt.Fprintf(&b, "add %s at %s as non-voting", s.replica(), s.Addr)
	case Promote:
		fmt.Fprintf(&b, "promote %s to voter", s.replica())
	case DeleteReplica:
		fmt.Fprintf(&b, "delete %s", s.replica())
	case RecordLeft:
		fmt.Fprintf(&b, "record that %s left", s.replica())
	case TransferLeader:
		fmt.Fprintf(&b, "transfer leadership to %s", s.replica())
	default:
		fmt.Fprintf(&b, "%s %s", s.Kind, s.replica())
	}
	if s.Why != "" {
		b.WriteString(": " + s.Why)
	}
	return b.String()
}

func (s Step) replica() string {
	if s.HostID == 0 {
		return fmt.Sprintf("replica %d", s.ReplicaID)
	}
	return fmt.Sprintf("replica %d of host %d", s.ReplicaID, s.HostID)
}

// Membership is a Raft group's membership: replica id to Raft address.
type Membership struct {
	// ConfigChangeID is the index of the last applied membership change;
	// the decisions ignore it, the caller passes it on with the change.
	ConfigChangeID uint64
	// Voters are the voting members.
	Voters map[uint64]string
	// NonVoting are the non-voting members.
	NonVoting map[uint64]string
}

func (m Membership) isVoter(id uint64) bool {
	_, ok := m.Voters[id]
	return ok
}

func (m Membership) isNonVoting(id uint64) bool {
	_, ok := m.NonVoting[id]
	return ok
}

// addr returns the address of a voter or non-voting member.
func (m Membership) addr(id uint64) (string, bool) {
	if a, ok := m.Voters[id]; ok {
		return a, true
	}
	a, ok := m.NonVoting[id]
	return a, ok
}

func (m Membership) has(id uint64) bool {
	_, ok := m.addr(id)
	return ok
}

// ids returns the voters and non-voting members, ordered.
func (m Membership) ids() []uint64 {
	ids := make([]uint64, 0, len(m.Voters)+len(m.NonVoting))
	for id := range m.Voters {
		ids = append(ids, id)
	}
	for id := range m.NonVoting {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// at returns the member with the given Raft address, the lowest id if
// several have it (dragonboat admits one per address).
func (m Membership) at(addr string) (uint64, bool) {
	for _, id := range m.ids() {
		if a, _ := m.addr(id); a == addr {
			return id, true
		}
	}
	return 0, false
}

// otherVoter returns the voter with the lowest id other than self, or 0.
func (m Membership) otherVoter(self uint64) uint64 {
	for _, id := range m.ids() {
		if m.isVoter(id) && id != self {
			return id
		}
	}
	return 0
}
