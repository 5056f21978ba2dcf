package host

import "time"

// A replica that has just started, woken from hibernation or new, is
// slow to reach a leader unless helped. Dragonboat steps a replica when a
// message comes for it or its Raft clock ticks (every
// Config.RTTMillisecond), and a replica that has just started handles
// nothing until it is ready: each stage of a start (the replica ready,
// the committed entries of its log applied, a vote request handled)
// waits for the next tick. And no replica stands for election until an
// election timeout has run out, some hundreds of milliseconds, which a
// call on a woken shard, or the creation of a shard, waits for.

// stepper has dragonboat step a replica now, not at its next tick (see
// raftnet.Factory.Step).
type stepper interface {
	Step(shardID, replicaID uint64)
}

// haste says what hasten asks of a replica.
type haste int

const (
	// stepOnly steps the replica.
	stepOnly haste = iota
	// campaignWoken asks a woken replica to campaign, once it has
	// reported its term, unless a Raft message came for it since it
	// started: a replica woken by a call that needs the leader, at once,
	// or one woken to serve, on the first such call or at-least-index
	// read of an index it lacks (see wakeCause). A replica that takes
	// longer than hastenFor to report its term is not asked: its own
	// election timeout then starts the election.
	campaignWoken
	// campaignNew asks a new shard's replica to campaign, unless a Raft
	// message came for it.
	campaignNew
)

// hasten helps this host's replica of a shard, which has started (see
// sl) at most electionWait ago, to a leader. Until the shard has a
// leader, for at most hastenFor, it steps the replica every hastenPoll,
// or, as how says, asks it to campaign, at most every campaignEvery,
// until an election has begun (its term moved) or a peer answered.
//
// A campaign asked for this way is what an election timeout would
// start (dragonboat.NodeHost.Campaign, of Synod's copy of Dragonboat):
// a pre-vote first, which a peer refuses while it knows a leader it has
// heard from within an election timeout (Config.ElectionRTT), and which
// the leader itself refuses; a replica that has learnt of a leader
// ignores the request. A leader whose followers hear from it is not
// deposed. One that a quorum has not heard from lately is: a quiesced
// leader, which has sent nothing for longer than an election timeout,
// and which had nothing in flight unless a call came to it at that very
// moment (that call then fails as unavailable, and is retried), or one
// whose followers have just started. A replica that heard from its
// shard since its start began leaves the campaign to whoever spoke: a
// leader's message soon makes it known, and a peer campaigning first
// should not be raced.
//
// A woken replica reports its term (GetLeaderID) only once dragonboat
// has stepped it; until then, the term it will report, which an
// election moves, is not known. A new one reports 0 until then, and
// then the term it starts at, 1: with pre-votes, its term moves only
// once a peer has answered, so a new shard's replica asks until one
// has (its peers' hosts drop what comes for a replica they have not
// started yet).
func (rs *replicaSet) hasten(sl *sleeper, shardID, replicaID uint64, how haste) {
	if !rs.life.tryAcquire() {
		return // closing
	}
	defer rs.life.release()
	if rs.handingOff.Load() {
		how = stepOnly // leaving: its leaderships go to others
	}
	// from is the term an election begins from: 0 for a new shard, else
	// the first term the replica reports.
	var from uint64
	var asked time.Time
	for end := time.Now().Add(hastenFor); time.Now().Before(end); time.Sleep(hastenPoll) {
		_, term, valid, err := rs.nh.GetLeaderID(shardID)
		if err != nil || valid {
			return
		}
		if from == 0 && how == campaignWoken {
			from = term
		}
		if campaignNow(how, term, from, sl.heardSinceStart()) && time.Since(asked) >= campaignEvery {
			// A replica with committed entries it has not applied
			// ignores it: asked again later.
			_ = rs.nh.Campaign(shardID)
			asked = time.Now()
		} else {
			rs.raft.Step(shardID, replicaID)
		}
	}
}

// hastenRunning hastens this host's running replica of a shard, as how
// says, if the host holds one.
func (rs *replicaSet) hastenRunning(sl *sleeper, shardID uint64, how haste) {
	rs.mu.Lock()
	s, placed := rs.running[shardID]
	rs.mu.Unlock()
	if replicaID := s.ReplicaOn(rs.cfg.ID); placed && replicaID != 0 {
		go rs.hasten(sl, shardID, replicaID, how)
	}
}

// campaignNow reports whether hasten asks a replica to campaign, as how
// says, now that it reports term, and reported from first; heard says
// that a Raft message came for it since it started.
func campaignNow(how haste, term, from uint64, heard bool) bool {
	switch how {
	case campaignNew:
		return !heard
	case campaignWoken:
		return term != 0 && term == from && !heard
	}
	return false
}

// hastenPoll and hastenFor pace and bound hasten: at most 100 steps of
// one replica, on each host, per start. campaignEvery spaces a replica's
// campaigns. A woken replica ignores the first ones, without a trace,
// until it has replayed the membership in its log (it is not a member of
// its shard until then), some milliseconds; a campaign asked for again
// starts the pre-vote again, but its peers answer within a round trip,
// and their first answer (heard) ends the asking.
const (
	hastenPoll    = time.Millisecond
	hastenFor     = 100 * time.Millisecond
	campaignEvery = 2 * time.Millisecond
)
