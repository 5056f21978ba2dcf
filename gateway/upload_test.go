package gateway_test

import (
	"context"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/gateway"
	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/testwasm"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// lostUpload is a host whose first module upload, of all the hosts that
// share lost, records the module and then fails as an upload whose meta
// leader lost its term does (host.ErrUnavailable: the outcome unknown).
type lostUpload struct {
	gateway.Host
	lost *atomic.Bool
}

func (h lostUpload) UploadModule(ctx context.Context, ns string, wasm []byte) (host.ModuleInfo, error) {
	m, err := h.Host.UploadModule(ctx, ns, wasm)
	if err == nil && h.lost.CompareAndSwap(false, true) {
		return host.ModuleInfo{}, outcome.Errorf(outcome.Unavailable, outcome.AppliedUnknown,
			"record module %s: shard 1: %w: the proposal was left pending by a leader that lost its term", m.Hash, host.ErrUnavailable)
	}
	return m, err
}

// TestUploadWhoseOutcomeIsLost: the gateway sends an upload whose outcome
// the host could not tell (its meta leader was deposed while the upload's
// entry was pending) again, and the second recording of the same bytes
// returns the entry the first made: the caller sees one success, and the
// catalogue holds the module once.
func TestUploadWhoseOutcomeIsLost(t *testing.T) {
	c := startDev(t, 3)
	var lost atomic.Bool
	url, hc := serveGateway(t, c, hostList{lostUpload{c.Host(0), &lost}, lostUpload{c.Host(1), &lost}, lostUpload{c.Host(2), &lost}})
	modules := synodv1connect.NewModuleServiceClient(hc, url)

	up, err := modules.UploadModule(t.Context(), connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: testwasm.Build(t, testwasm.KV)}))
	if err != nil {
		t.Fatalf("upload whose first outcome was lost: %v", err)
	}
	if !lost.Load() {
		t.Fatal("no upload's outcome was lost: the test shows nothing")
	}
	list, err := modules.ListModules(t.Context(), connect.NewRequest(&synodv1.ListModulesRequest{}))
	if err != nil {
		t.Fatalf("list modules: %v", err)
	}
	if n := len(list.Msg.GetModules()); n != 1 {
		t.Fatalf("%d modules recorded, want 1", n)
	}
	got, want := list.Msg.GetModules()[0], up.Msg.GetModule()
	if got.GetHash() != want.GetHash() || !got.GetCreateTime().AsTime().Equal(want.GetCreateTime().AsTime()) {
		t.Errorf("the upload answered %s created %v; the catalogue holds %s created %v: not the entry the first recording made",
			want.GetHash(), want.GetCreateTime().AsTime(), got.GetHash(), got.GetCreateTime().AsTime())
	}
}
