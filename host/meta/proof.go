package meta

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
)

// Proving hosts. A heartbeat says only that someone proposed one; it does
// not show that a host exists that can run replicas. So the meta leader's
// host challenges each live host: it proposes OpChallengeHost with a
// random nonce, which the meta shard keeps where no catalogue query made
// through the host API or a gateway can read it. The nonce reaches a host
// only through Raft, in the log its meta replica replicates from the
// leader; the host reads it from that replica and answers with
// OpProveHost, which makes it proven if the nonce matches. A forged
// heartbeat names a host whose replica, if it has one, never replicates
// anything, so it never gets the nonce.

// MaxNonce is the longest nonce a challenge may carry.
const MaxNonce = 128

// Challenge is a host's open proof challenge.
type Challenge struct {
	// Nonce is the secret the host must echo; empty when none is open.
	Nonce string `json:"nonce,omitempty"`
	// IssuedNanos is when the challenge was recorded.
	IssuedNanos int64 `json:"issued_nanos,omitempty"`
}

func challengeKey(hostID uint64) []byte {
	return fmt.Appendf(nil, "%s%020d", keyChallenge, hostID)
}

// challengeHost records a new challenge for a host, replacing any open
// one.
func challengeHost(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	if req.Nonce == "" || len(req.Nonce) > MaxNonce {
		return nil, fail(ErrInvalidArgument, "a challenge needs a nonce of 1 to %d bytes", MaxNonce)
	}
	if _, err := liveHost(txn, req.HostID); err != nil {
		return nil, err
	}
	_, err := putJSON(txn, challengeKey(req.HostID), Challenge{Nonce: req.Nonce, IssuedNanos: c.TimeNanos})
	return nil, err
}

// proveHost closes a host's challenge if the nonce matches, and records
// that the host is proven. A host newly proven is room for the replicas
// that shards are short of.
func proveHost(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	h, err := liveHost(txn, req.HostID)
	if err != nil {
		return nil, err
	}
	ch, err := loadChallenge(txn, req.HostID)
	if err != nil {
		return nil, err
	}
	if ch.Nonce == "" || subtle.ConstantTimeCompare([]byte(ch.Nonce), []byte(req.Nonce)) != 1 {
		return nil, fail(ErrInvalidArgument, "host %s (id %d): the nonce answers no open challenge", h.Name, h.ID)
	}
	if err := txn.Delete(challengeKey(h.ID)); err != nil {
		return nil, err
	}
	was := h.Proven(c.TimeNanos)
	h.ProvenNanos = c.TimeNanos
	out, err := putJSON(txn, hostKey(h.ID), h)
	if err != nil || was {
		return out, err
	}
	// Every shard is read only now: a proven host is challenged again
	// every half a ProofTimeout, and reading every shard's record each
	// time, on every replica, would cost an idle cluster work that grows
	// with its shards. The host record written above is h, as setHost
	// makes it.
	cl, err := loadCluster(c, txn)
	if err != nil {
		return nil, err
	}
	cl.setHost(h)
	return out, cl.repair(txn)
}

// liveHost returns the catalogue entry of a host that is not removed.
func liveHost(txn *store.Txn, id uint64) (Host, error) {
	h, ok, err := getRecord[Host](txn, hostKey(id))
	if err != nil {
		return Host{}, err
	}
	if !ok {
		return Host{}, fail(ErrHostNotFound, "host %d not found", id)
	}
	if h.State == HostRemoved {
		return Host{}, fail(ErrHostRemoved, "host %s (id %d) was removed from the cluster", h.Name, h.ID)
	}
	return h, nil
}

func loadChallenge(r kv, hostID uint64) (Challenge, error) {
	ch, _, err := getRecord[Challenge](r, challengeKey(hostID))
	return ch, err
}

// getChallenge answers a host's open challenge, or an empty one.
func getChallenge(r kv, hostID uint64) ([]byte, error) {
	ch, err := loadChallenge(r, hostID)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(ch)
	if err != nil {
		return nil, fmt.Errorf("encode challenge: %w", err)
	}
	return b, nil
}
