package gateway

import (
	"context"
	"errors"
	"net/http"
)

// The gateway's health endpoints, for load balancers and orchestrators;
// both need no API key.
//
// Liveness (GET /healthz) says only that the process serves HTTP: a
// supervisor that restarts a gateway failing it gains something, since a
// restart cannot mend a cluster the gateway cannot reach. Readiness
// (GET /readyz) says whether the gateway can serve calls: whether some
// host's catalogue (meta shard) replica answers it within statusWait.
// Every call starts at the catalogue (keys, shards, routing), so a
// gateway that reaches none should be taken out of rotation, and put back
// once it reaches one. Readiness does not ask for a meta leader: a
// leaderless catalogue is the whole cluster's state, which every gateway
// shares, so taking them all out of rotation would only turn a call's
// clear unavailable error into a load balancer's 503.

// healthz answers liveness: 200 "ok" while the process serves.
func healthz(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers readiness: 200 "ready" when a catalogue replica answers,
// else 503 saying why.
func (g *Gateway) readyz(w http.ResponseWriter, r *http.Request) {
	if err := g.ready(r.Context()); err != nil {
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// ready returns nil if the meta replica of some host the gateway knows
// answers, asking them all at once.
func (g *Gateway) ready(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // one answer is enough
	for a := range g.router.askReplicas(ctx, g.router.metaShard()) {
		if a.err == nil && a.st.HasReplica {
			return nil
		}
	}
	// Says no more of the cluster: the caller need not hold a key.
	return errNoCatalogue
}

// errNoCatalogue is why a gateway is not ready.
var errNoCatalogue = errors.New("no host's catalogue replica answers")
