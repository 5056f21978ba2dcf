// Package steer decides the next step that brings a Raft group's membership
// and leadership in line with the catalogue: for a user shard, on the host
// whose replica leads it ([Next]), and for the meta shard, on the meta
// leader ([NextMeta]).
//
// The decisions are pure functions of their input: the catalogue's view
// (the shard record, the hosts and their liveness), the group's membership
// as the leader last applied it, which replica is deciding, and the time.
// They read no clock, do no I/O and change none of their input, so the
// same input always gives the same [Step]. The caller (the host's
// reconciler) reads the membership, asks for a step, takes it, and asks
// again on its next round. One step per round: a membership change must be
// applied before the next one is proposed (dragonboat refuses a change
// made against an older config change id), and a fresh read then shows its
// effect.
//
// # Words
//
// A member of a group is a voter or a non-voting member: "non-voting" is
// the Raft role (dragonboat's NonVoting, etcd's learner), which replicates
// the log but counts towards no quorum. "Learning" is only the catalogue's
// [meta.Replica.Learning] flag: a replica added to a running shard that its
// host has not yet reported caught up.
//
// # User shards
//
// A user shard's leader takes, in this order, the first step that applies:
//
//  1. A replica in the catalogue that is no member joins as a non-voting
//     member ([AddNonVoting]), so that it catches up without counting
//     towards, and slowing down, the quorum. If another member holds its
//     Raft address (a replacement host took over the address of one that
//     is gone), that member is deleted first ([DeleteReplica]): dragonboat
//     admits one member per address.
//  2. A non-voting member whose replica is no longer learning becomes a
//     voter ([Promote]).
//  3. A leaving replica that is no longer a member is recorded as left
//     ([RecordLeft]), which lets its host stop it and delete its data.
//  4. While any replica is still learning, nothing is removed ([Wait]):
//     a member leaves only once its replacement votes, so the group never
//     has fewer voters than it should while a replica moves.
//  5. A member the catalogue no longer lists is deleted ([DeleteReplica]),
//     lowest id first. If that member is the deciding leader itself, it
//     hands leadership over first ([TransferLeader]), to the preferred
//     replica if that is still a replica, else to the first replica (and
//     waits while there is none); the new leader then deletes it.
//  6. With the membership in line, leadership moves to the preferred
//     replica ([TransferLeader]): at once for a shard younger than
//     [RebalanceAfter] whose preferred host is alive (no host has failed
//     it yet), else only once the preferred host has been up for
//     [RebalanceAfter], so that a host that flaps does not drag leadership,
//     and the pause each move costs, around with it. Never to a host that
//     said it is about to stop ([Input.Leaving]): it has just handed its
//     leaderships over.
//
// # The meta shard
//
// The meta shard has a replica on every host, with the host's id as its
// replica id. It has no learning flag: a host turns active (placeable)
// with its first heartbeat, which it proposes through its own meta
// replica, so that replica has caught up by then. The meta leader takes
// the first step that applies:
//
//  1. A host that is not removed and has no member joins as a non-voting
//     member. Hosts of the initial cluster that have not registered yet
//     count too. A host whose address another member holds waits for that
//     member to be deleted (step 3).
//  2. The member of a removed host is deleted, lowest id first; the leader
//     hands leadership to another voter first if it is that member (and
//     waits while there is none).
//  3. While there are fewer voters than [MetaVoters] of the hosts able to
//     hold one (voters, and non-voting members on placeable hosts), the
//     non-voting member of the placeable host with the lowest id is
//     promoted.
//
// Deleting before promoting: a removed host's process ends as soon as it
// learns of its removal, so its voter counts towards the quorum while it
// can no longer vote. Promoted first, the group would have one voter more
// than its hosts can give, and an operator who saw the full count of
// voters in synod status and took another host down would leave it short
// of a quorum for good (TestMembershipOfProcesses did). Deleted first, the
// full count means every voter is a live host's.
package steer
