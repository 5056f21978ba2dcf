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

// hurrier hurries a replica on (see raftnet.Factory).
type hurrier interface {
	// Campaign asks the replica to stand for election at once.
	Campaign(shardID, replicaID uint64)
	// Step has dragonboat step the replica now, not at its next tick.
	Step(shardID, replicaID uint64)
}

// haste says what hasten asks of a replica.
type haste int

const (
	// stepOnly steps the replica.
	stepOnly haste = iota
	// campaignWoken asks a replica that hibernated and was woken by a
	// call to campaign, once its shard has been quiet long enough to
	// show that it has no live leader.
	campaignWoken
	// campaignNew asks a new shard's replica to campaign, unless a Raft
	// message came for it: a new shard has no leader to depose until
	// one of its replicas campaigns.
	campaignNew
)

// hasten helps this host's replica of a shard, which has just started
// (see sl), to a leader. Until the shard has a leader, for at most the
// quiet wait (below) and hastenFor, it steps the replica every
// hastenPoll, or, as how says, asks it to campaign instead until an
// election has begun (its term moved).
//
// A campaign asked for this way skips the pre-vote and the leader lease
// that protect a live leader (see raftnet.Factory.Campaign): peers step
// down for it, even if they refuse it their votes. A woken replica
// therefore campaigns only where its shard can have no live leader it
// has not heard from. It hibernated in this host's life, so that a
// leader elected since, which would have sent it heartbeats, would have
// woken it; and no Raft message came for it since it started, for a
// leader's heartbeat interval and a tick more. A replica that started
// asleep with its host knows nothing of its shard (a leader's messages
// to a host that was down wait for its transport's circuit breaker, a
// second or so): it is only stepped, and its shard elects a leader, if
// it has none, when an election timeout runs out. A quiesced leader sends
// no heartbeats, and loses its leadership to the woken replica; having
// quiesced, it had nothing in flight, unless a call came to it at that
// very moment, which then fails as unavailable and is retried.
//
// A replica reports its term (GetLeaderID) only once dragonboat has
// stepped it; a campaign asked for before then would be queued and could
// start an election the replica would have seen no need for.
func (rs *replicaSet) hasten(sl *sleeper, shardID, replicaID uint64, how haste) {
	if !rs.life.tryAcquire() {
		return // closing
	}
	defer rs.life.release()
	quiet := time.Duration(rs.cfg.HeartbeatRTT+1) * rs.cfg.tick()
	// from is the term an election begins from: 0 for a new shard, else
	// the first term the replica reports.
	var from uint64
	for end := time.Now().Add(quiet + hastenFor); time.Now().Before(end); time.Sleep(hastenPoll) {
		_, term, valid, err := rs.nh.GetLeaderID(shardID)
		if err != nil || valid {
			return
		}
		if from == 0 && how == campaignWoken {
			from = term
		}
		if campaignNow(how, term, from, sl.sinceStart() >= quiet, sl.heardSinceStart()) {
			rs.raft.Campaign(shardID, replicaID)
		} else {
			rs.raft.Step(shardID, replicaID)
		}
	}
}

// campaignNow reports whether hasten asks a replica to campaign, as how
// says, now that it reports term, and reported from first; quiet says
// that it started a heartbeat interval and a tick ago or more, and heard
// that a Raft message came for it since.
func campaignNow(how haste, term, from uint64, quiet, heard bool) bool {
	switch how {
	case campaignNew:
		return term == 0 && !heard
	case campaignWoken:
		return term != 0 && term == from && quiet && !heard
	}
	return false
}

// hastenPoll and hastenFor pace and bound hasten: at most 100 steps of
// one replica, on each host, per start, after the quiet wait (30 more
// with the default settings).
const (
	hastenPoll = time.Millisecond
	hastenFor  = 100 * time.Millisecond
)
