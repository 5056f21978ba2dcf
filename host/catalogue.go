package host

import (
	"context"

	"github.com/synodhq/synod/host/meta"
)

// ModuleInfo is a module's catalogue entry.
type ModuleInfo = meta.Module

// ShardInfo is a shard's catalogue entry.
type ShardInfo = meta.Shard

// HostInfo is a host's catalogue entry.
type HostInfo = meta.Host

// RunCatalogue implements [meta.Runner] through this host's meta replica:
// commands go through the meta shard's log (this host must lead it, as for
// any proposal), queries are linearizable.
//
// It refuses the requests that only a host's own controller makes (see
// [meta.Op.HostOnly]).
func (h *Host) RunCatalogue(ctx context.Context, req meta.Request, write bool) ([]byte, error) {
	if err := refuseHostOnly(req); err != nil {
		return nil, err
	}
	var res Result
	var err error
	if write {
		// A repeatable write of unknown fate is sent again by the
		// gateway (an upload); other catalogue writes wait for their
		// outcome.
		res, err = h.data.proposeAgainable(ctx, meta.ShardID, Command{Payload: req.Encode()}, req.Repeatable())
	} else {
		res, err = h.data.query(ctx, meta.ShardID, Read{Payload: req.Encode()})
	}
	if err != nil {
		return nil, err
	}
	return res.Output, nil
}

// Catalogue returns the typed catalogue API through this host.
func (h *Host) Catalogue() meta.Catalogue {
	return meta.Catalogue{Runner: h}
}

// LocalCatalogue answers a catalogue query from this host's own meta
// replica, without a round trip: possibly behind, but available on any host
// that runs a meta replica. Discovery and the host API use it; like
// [Host.RunCatalogue], it refuses host-only requests.
func (h *Host) LocalCatalogue(ctx context.Context, req meta.Request) ([]byte, error) {
	if err := refuseHostOnly(req); err != nil {
		return nil, err
	}
	return h.data.localCatalogue(ctx, req)
}

// localCatalogue is [Host.LocalCatalogue].
func (d *dataPlane) localCatalogue(ctx context.Context, req meta.Request) ([]byte, error) {
	res, err := d.query(ctx, meta.ShardID, Read{Payload: req.Encode(), Consistency: Stale})
	if err != nil {
		return nil, err
	}
	return res.Output, nil
}
