package meta

import (
	"encoding/binary"
	"slices"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
)

// heartbeat records that a host is up. A host of the initial cluster
// registers with its first heartbeat; a joined host becomes active with
// its first. A removed host is told so.
func heartbeat(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	if req.Host == nil || req.Host.ID == 0 || req.Host.Name == "" || req.Host.RaftAddr == "" {
		return nil, fail(ErrInvalidArgument, "heartbeat needs a host id, name and raft address")
	}
	// The shards are read only for a host that arrives: a heartbeat
	// comes from every host every second, and there may be many shards.
	hosts, err := list[Host](txn, keyHost)
	if err != nil {
		return nil, err
	}
	h := *req.Host
	h.State = HostActive
	h.UpSinceNanos = c.TimeNanos
	// Only the meta shard proves a host (see proof.go), never the host's
	// own word.
	h.ProvenNanos = 0
	arrived := true
	for _, old := range hosts {
		if old.ID == h.ID {
			arrived = old.State == HostJoining
			h.ProvenNanos = old.ProvenNanos
			if old.Alive(c.TimeNanos) && old.UpSinceNanos != 0 {
				h.UpSinceNanos = old.UpSinceNanos
			}
		}
		switch {
		case old.ID == h.ID && old.State == HostRemoved:
			return nil, fail(ErrHostRemoved, "host %s (id %d) was removed from the cluster", old.Name, old.ID)
		case old.ID == h.ID && old.State == HostDraining:
			h.State = HostDraining
		case old.ID != h.ID && old.Name == h.Name && old.State != HostRemoved:
			return nil, fail(ErrInvalidArgument, "host name %s is taken by host %d", h.Name, old.ID)
		}
	}
	h.HeartbeatNanos = c.TimeNanos
	var cl *cluster
	if arrived {
		if cl, err = withShards(c, txn, hosts); err != nil {
			return nil, err
		}
	}
	if err := raiseIDFloor(txn, req.IDFloor); err != nil {
		return nil, err
	}
	out, err := putJSON(txn, hostKey(h.ID), h)
	if err != nil || !arrived {
		return out, err
	}
	// A new host is room for the replicas that removed hosts left short.
	cl.setHost(h)
	return out, cl.repair(txn)
}

// joinHost admits a new host and gives it the next unused id. Joining
// under the name of a host that is dead replaces it: the old host is
// removed and its replicas move to live hosts. Asking again for a host
// that was admitted but has not heartbeated yet returns the same entry, so
// a joining host may retry.
func joinHost(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	if req.Host == nil || req.Host.Name == "" || req.Host.RaftAddr == "" {
		return nil, fail(ErrInvalidArgument, "join needs a host name and raft address")
	}
	cl, err := loadCluster(c, txn)
	if err != nil {
		return nil, err
	}
	if err := raiseIDFloor(txn, req.IDFloor); err != nil {
		return nil, err
	}
	floor, err := idFloor(txn)
	if err != nil {
		return nil, err
	}
	next := floor + 1
	for _, old := range cl.hosts {
		next = max(next, old.ID+1)
		if old.Name != req.Host.Name || old.State == HostRemoved {
			continue
		}
		if old.State == HostJoining && old.RaftAddr == req.Host.RaftAddr {
			return putJSON(txn, hostKey(old.ID), old)
		}
		if old.Alive(c.TimeNanos) {
			return nil, fail(ErrHostInUse, "host %s (id %d) is alive: a new host needs a new name, and a replacement waits until the old host has been silent for %s", old.Name, old.ID, LivenessTimeout)
		}
		if err := retire(cl, txn, old); err != nil {
			return nil, err
		}
	}
	h := Host{ID: next, Name: req.Host.Name, RaftAddr: req.Host.RaftAddr, APIAddr: req.Host.APIAddr,
		State: HostJoining, HeartbeatNanos: c.TimeNanos}
	return putJSON(txn, hostKey(h.ID), h)
}

// drainHost stops placing replicas on a host and moves its replicas away.
func drainHost(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	cl, h, err := loadHost(c, txn, req.HostName)
	if err != nil {
		return nil, err
	}
	h.State = HostDraining
	cl.setHost(h)
	if err := cl.evacuate(txn, h.ID, true); err != nil {
		return nil, err
	}
	return putJSON(txn, hostKey(h.ID), h)
}

// removeHost removes a host for good. A live host must hold no replicas
// (drain it first); a dead host's replicas move to live hosts.
func removeHost(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	cl, h, err := loadHost(c, txn, req.HostName)
	if err != nil {
		return nil, err
	}
	if n := cl.runs(h.ID); h.Alive(c.TimeNanos) && n > 0 {
		return nil, fail(ErrHostInUse, "host %s is alive and runs %d replicas (counting those still leaving): drain it, and wait for them to leave", h.Name, n)
	}
	return nil, retire(cl, txn, h)
}

// idFloor returns the highest host id of the initial cluster recorded so
// far; joined hosts get ids above it.
func idFloor(txn *store.Txn) (uint64, error) {
	b, ok, err := txn.Get([]byte(keyIDFloor))
	if err != nil || !ok || len(b) != 8 {
		return 0, err
	}
	return binary.BigEndian.Uint64(b), nil
}

func raiseIDFloor(txn *store.Txn, floor uint64) error {
	old, err := idFloor(txn)
	if err != nil || floor <= old {
		return err
	}
	return txn.Set([]byte(keyIDFloor), binary.BigEndian.AppendUint64(nil, floor))
}

// loadHost loads the cluster and the host with the given name.
func loadHost(c fsm.Call, txn *store.Txn, name string) (*cluster, Host, error) {
	cl, err := loadCluster(c, txn)
	if err != nil {
		return nil, Host{}, err
	}
	h, err := cl.host(name)
	return cl, h, err
}

// runs counts the replicas a host runs, leaving ones included.
func (cl *cluster) runs(hostID uint64) int {
	n := 0
	for _, s := range cl.shards {
		if slices.Contains(hostsOf(s), hostID) {
			n++
		}
	}
	return n
}

// retire marks a host removed and moves its replicas to live hosts.
func retire(cl *cluster, txn *store.Txn, h Host) error {
	h.State = HostRemoved
	cl.setHost(h)
	if err := cl.evacuate(txn, h.ID, false); err != nil {
		return err
	}
	_, err := putJSON(txn, hostKey(h.ID), h)
	return err
}

// setHost updates (or adds) a host in the command's view.
func (cl *cluster) setHost(h Host) {
	if i := slices.IndexFunc(cl.hosts, func(o Host) bool { return o.ID == h.ID }); i >= 0 {
		cl.hosts[i] = h
		return
	}
	cl.hosts = append(cl.hosts, h)
}
