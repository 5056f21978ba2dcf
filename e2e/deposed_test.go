package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/synodhq/synod/host/hostapi"
	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/testtime"
	"github.com/synodhq/synod/internal/testwasm"
)

// TestUploadLeftPendingByADeposedLeader records a module through the meta
// leader's host while the other two host processes are paused (SIGSTOP):
// the entry cannot commit, and the leader steps down once it has not
// heard from a quorum for an election timeout. The host then gives the
// recording up as of unknown outcome, left pending by a leader that lost
// its term, instead of waiting out the call's minute, so that the gateway
// sends it again (gateway.TestUploadWhoseOutcomeIsLost); recording the
// same bytes again once the hosts go on leaves one entry.
func TestUploadLeftPendingByADeposedLeader(t *testing.T) {
	pc := startProcessCluster(t, 3)
	bin := testwasm.Build(t, testwasm.KV)
	sum := sha256.Sum256(bin)
	m := meta.Module{Hash: hex.EncodeToString(sum[:]), Size: int64(len(bin)), ABIVersion: 1}
	catalogueOf := func(id uint64) meta.Catalogue {
		return meta.Catalogue{Runner: hostapi.NewClient(id, pc.urls[id-1], http.DefaultClient)}
	}

	// The leader may step down before the recording reaches it (a loaded
	// machine): then it is refused as not applied, and tried again.
	var err error
	for attempt := 1; ; attempt++ {
		leader := metaLeader(t, pc)
		var others []*os.Process
		for id := uint64(1); id <= 3; id++ {
			if id != leader {
				others = append(others, pc.hosts[id-1].cmd.Process)
			}
		}
		signalAll(t, syscall.SIGSTOP, others)
		t.Cleanup(func() {
			for _, p := range others {
				_ = p.Signal(syscall.SIGCONT) // a paused host stops on nothing else
			}
		})
		ctx, cancel := context.WithTimeout(t.Context(), testtime.Scaled(time.Minute))
		_, err = catalogueOf(leader).PutModule(ctx, "", m, bin)
		cancel()
		signalAll(t, syscall.SIGCONT, others)
		if err == nil || outcome.AppliedOf(err) != outcome.AppliedNo || attempt == 5 {
			break
		}
		t.Logf("attempt %d: the meta leader, host %d, refused the recording: %v", attempt, leader, err)
	}
	switch {
	case err == nil:
		t.Fatal("a module was recorded while two of the three hosts were paused")
	case outcome.AppliedOf(err) != outcome.AppliedUnknown || outcome.KindOf(err) != outcome.Unavailable || !strings.Contains(err.Error(), "lost its term"):
		t.Fatalf("recording on a meta leader deposed meanwhile: %v (kind %v, applied %v); want unavailable, of unknown outcome, left pending by a leader that lost its term",
			err, outcome.KindOf(err), outcome.AppliedOf(err))
	}

	var recorded meta.Module
	waitFor(t, 30*time.Second, func() bool {
		recorded, err = catalogueOf(metaLeader(t, pc)).PutModule(t.Context(), "", m, bin)
		return err == nil
	})
	modules, err := catalogueOf(metaLeader(t, pc)).ListModules(t.Context(), "")
	if err != nil {
		t.Fatalf("list modules: %v", err)
	}
	if len(modules) != 1 || modules[0].Hash != m.Hash || modules[0].CreateNanos != recorded.CreateNanos {
		t.Fatalf("the catalogue holds %+v; want the one entry recorded, %+v", modules, recorded)
	}
}

// metaLeader returns the id of the host whose replica leads the meta shard
// (its replica id), once that host says so itself.
func metaLeader(t *testing.T, pc *processCluster) uint64 {
	t.Helper()
	var leader uint64
	waitFor(t, 30*time.Second, func() bool {
		for i, url := range pc.urls {
			id := uint64(i + 1)
			if st := statusOf(hostapi.NewClient(id, url, http.DefaultClient), meta.ShardID); st.HasLeader && st.LeaderReplicaID == id {
				leader = id
				return true
			}
		}
		return false
	})
	return leader
}

// signalAll sends sig to each process.
func signalAll(t *testing.T, sig syscall.Signal, ps []*os.Process) {
	t.Helper()
	for _, p := range ps {
		if err := p.Signal(sig); err != nil {
			t.Errorf("send %v to process %d: %v", sig, p.Pid, err)
		}
	}
}
