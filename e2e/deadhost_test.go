package e2e

import (
	"errors"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestDeadReplicaFailsFast calls a shard whose only replica's host is
// down: once the catalogue sees the host dead, a call fails at once with
// unavailable naming the host, instead of retrying until its deadline.
func TestDeadReplicaFailsFast(t *testing.T) {
	t.Parallel() // it mostly waits: for the host's death to be seen
	c := startCluster(t, host.Config{}, true)
	s := c.kvShard(t, "lonely", 1)
	c.mustPropose(t, "lonely", kvCmd{Op: "put", Key: "k", Value: "v"})
	hostID := s.GetReplicas()[0].GetHostId()
	name := s.GetReplicas()[0].GetHostName()
	if err := c.StopHost(int(hostID - 1)); err != nil {
		t.Fatal(err)
	}
	ops := synodv1connect.NewClusterServiceClient(c.Client(), c.URL())
	waitFor(t, 60*time.Second, func() bool {
		st, err := ops.GetStatus(t.Context(), connect.NewRequest(&synodv1.GetStatusRequest{}))
		if err != nil {
			return false
		}
		for _, h := range st.Msg.GetHosts() {
			if h.GetId() == hostID {
				return !h.GetAlive()
			}
		}
		return false
	})

	// The gateway's default deadline is 10 s: a call that waits for it
	// has not failed fast.
	const fast = 5 * time.Second
	for _, tt := range []struct {
		name string
		call func() error
	}{
		{"propose", func() error {
			_, err := c.propose(t.Context(), "lonely", kvCmd{Op: "put", Key: "k2", Value: "v"})
			var ce *connect.Error
			if errors.As(err, &ce) && proposeApplied(t, ce) != synodv1.Applied_APPLIED_NO {
				t.Errorf("propose: applied %v, want APPLIED_NO", proposeApplied(t, ce))
			}
			return err
		}},
		{"linearizable query", func() error {
			_, err := c.data.Query(t.Context(), connect.NewRequest(&synodv1.QueryRequest{Shard: "lonely", Query: kvCmd{Op: "get", Key: "k"}.bytes()}))
			return err
		}},
		{"stale query", func() error {
			_, err := c.data.Query(t.Context(), connect.NewRequest(&synodv1.QueryRequest{
				Shard: "lonely", Query: kvCmd{Op: "get", Key: "k"}.bytes(), Consistency: synodv1.Consistency_CONSISTENCY_STALE,
			}))
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := tt.call()
			took := time.Since(start)
			if code := connectCode(t, err); code != connect.CodeUnavailable || !strings.Contains(err.Error(), name) {
				t.Errorf("error %v (code %v): want unavailable naming host %s", err, code, name)
			}
			if took > fast {
				t.Errorf("failed after %v, want within %v", took.Round(time.Millisecond), fast)
			}
		})
	}
}
