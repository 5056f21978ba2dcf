package meta_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/synodhq/synod/host/meta"
)

// TestProvenPlacement: a new shard's majority goes only on proven hosts;
// the rest may go on live hosts not proven yet, and with too few proven
// hosts creating the shard is refused, saying how many there are.
func TestProvenPlacement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		proven, unproven []uint64
		asked            int
		want             []uint64 // hosts placed on, when wantErr is empty
		wantErr          string   // part of the ErrNotEnoughHosts message
	}{
		{name: "all proven", proven: []uint64{1, 2, 3}, asked: 3, want: []uint64{1, 2, 3}},
		{name: "forged pair outnumbers", proven: []uint64{3}, unproven: []uint64{1, 2}, asked: 3,
			wantErr: "the cluster has 1 live proven hosts (of 3 live hosts)"},
		{name: "default count is refused, not shrunk", proven: []uint64{3}, unproven: []uint64{1, 2}, asked: 0,
			wantErr: "3 replicas need a majority, 2"},
		{name: "minority on an unproven host", proven: []uint64{3, 4}, unproven: []uint64{1, 2}, asked: 3, want: []uint64{1, 3, 4}},
		{name: "one replica needs a proven host", proven: []uint64{2}, unproven: []uint64{1}, asked: 1, want: []uint64{2}},
		{name: "none proven", unproven: []uint64{1, 2, 3}, asked: 1, wantErr: "the cluster has 0 live proven hosts"},
		{name: "five with three proven", proven: []uint64{3, 4, 5}, unproven: []uint64{1, 2}, asked: 5, want: []uint64{1, 2, 3, 4, 5}},
		{name: "five with two proven", proven: []uint64{4, 5}, unproven: []uint64{1, 2, 3}, asked: 5,
			wantErr: "5 replicas need a majority, 3, on live hosts proven to run replicas; the cluster has 2 live proven hosts"},
		{name: "too few live hosts", proven: []uint64{1}, asked: 3, wantErr: "3 replicas need 3 live hosts; the cluster has 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCatalogue(t)
			c.addHosts(tt.proven...)
			c.addUnproven(tt.unproven...)
			c.addModule(m1)
			s, err := c.createShard("s", m1, tt.asked)
			if tt.wantErr != "" {
				if !errors.Is(err, meta.ErrNotEnoughHosts) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got (%v, %v), want ErrNotEnoughHosts saying %q", onHosts(s), err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateShard: %v", err)
			}
			got := onHosts(s)
			if !slices.Equal(got, tt.want) {
				t.Errorf("placed on %v, want %v", got, tt.want)
			}
			n := 0
			for _, id := range got {
				if slices.Contains(tt.proven, id) {
					n++
				}
			}
			if n < len(got)/2+1 {
				t.Errorf("only %d of %d replicas on proven hosts", n, len(got))
			}
		})
	}
}

func (c *catalogue) host(id uint64) meta.Host {
	c.t.Helper()
	for _, h := range c.hosts() {
		if h.ID == id {
			return h
		}
	}
	c.t.Fatalf("host %d not found", id)
	return meta.Host{}
}

// TestProof: what proves a host and what does not, and what clears the
// mark.
func TestProof(t *testing.T) {
	t.Parallel()
	challenge := func(id uint64, nonce string) meta.Request {
		return meta.Request{Op: meta.OpChallengeHost, HostID: id, Nonce: nonce}
	}
	answer := func(id uint64, nonce string) meta.Request {
		return meta.Request{Op: meta.OpProveHost, HostID: id, Nonce: nonce}
	}
	tests := []struct {
		name   string
		run    func(c *catalogue) error // the last step's error
		err    error
		proven bool
	}{
		{name: "challenge answered", proven: true, run: func(c *catalogue) error {
			c.must(challenge(1, "n1"), nil)
			return c.do(answer(1, "n1")).err
		}},
		{name: "heartbeat claiming a proof", run: func(c *catalogue) error {
			return c.do(meta.Request{Op: meta.OpHeartbeat, Host: &meta.Host{ID: 1, Name: "h1", RaftAddr: "127.0.0.1:9001", ProvenNanos: c.stamp + 1}}).err
		}},
		{name: "wrong nonce", err: meta.ErrInvalidArgument, run: func(c *catalogue) error {
			c.must(challenge(1, "n1"), nil)
			return c.do(answer(1, "n2")).err
		}},
		{name: "no challenge", err: meta.ErrInvalidArgument, run: func(c *catalogue) error {
			return c.do(answer(1, "")).err
		}},
		{name: "replaced challenge", err: meta.ErrInvalidArgument, run: func(c *catalogue) error {
			c.must(challenge(1, "n1"), nil)
			c.must(challenge(1, "n2"), nil)
			return c.do(answer(1, "n1")).err
		}},
		{name: "answer replayed", proven: true, err: meta.ErrInvalidArgument, run: func(c *catalogue) error {
			c.must(challenge(1, "n1"), nil)
			c.must(answer(1, "n1"), nil)
			return c.do(answer(1, "n1")).err
		}},
		{name: "another host's nonce", err: meta.ErrInvalidArgument, run: func(c *catalogue) error {
			c.must(challenge(2, "n2"), nil)
			return c.do(answer(1, "n2")).err
		}},
		{name: "unknown host", err: meta.ErrHostNotFound, run: func(c *catalogue) error {
			return c.do(challenge(9, "n9")).err
		}},
		{name: "empty nonce", err: meta.ErrInvalidArgument, run: func(c *catalogue) error {
			return c.do(challenge(1, "")).err
		}},
		{name: "proof expires", run: func(c *catalogue) error {
			c.prove(1)
			for range meta.ProofTimeout / meta.HeartbeatInterval {
				c.advance(meta.HeartbeatInterval)
				c.addUnproven(1, 2)
			}
			return nil
		}},
		{name: "proof renewed", proven: true, run: func(c *catalogue) error {
			c.prove(1)
			for range meta.ProofTimeout / meta.HeartbeatInterval {
				c.advance(meta.HeartbeatInterval)
				c.addUnproven(1, 2)
			}
			c.prove(1)
			return nil
		}},
		{name: "back from the dead", run: func(c *catalogue) error {
			c.prove(1)
			c.advance(meta.LivenessTimeout)
			c.addUnproven(1)
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCatalogue(t)
			c.addUnproven(1, 2)
			if err := tt.run(c); !errors.Is(err, tt.err) {
				t.Fatalf("got %v, want %v", err, tt.err)
			}
			if got := c.host(1).Proven(c.stamp); got != tt.proven {
				t.Errorf("proven = %v, want %v (host %+v)", got, tt.proven, c.host(1))
			}
		})
	}
}

// TestChallengeIsHostOnly: the nonce is read only by the op that the
// host API and gateways refuse.
func TestChallengeIsHostOnly(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addUnproven(1)
	c.must(meta.Request{Op: meta.OpChallengeHost, HostID: 1, Nonce: "secret"}, nil)
	for _, op := range []meta.Op{meta.OpListHosts, meta.OpListShards, meta.OpListKeys} {
		out, err := c.query(meta.Request{Op: op})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "secret") {
			t.Errorf("%s shows the nonce: %s", op, out)
		}
		if op.HostOnly() {
			t.Errorf("%s is host-only", op)
		}
	}
	var ch meta.Challenge
	out, err := c.query(meta.Request{Op: meta.OpGetChallenge, HostID: 1})
	if err != nil || meta.Decode(out, &ch) != nil || ch.Nonce != "secret" {
		t.Errorf("get_challenge = %s, %v; want the nonce", out, err)
	}
	for _, op := range []meta.Op{meta.OpGetChallenge, meta.OpChallengeHost, meta.OpProveHost} {
		if !op.HostOnly() {
			t.Errorf("%s is not host-only", op)
		}
	}
}

// TestReplicasGoOnlyOnProvenHosts: a replica added to a running shard,
// by an operator or by re-replication, goes only on a proven host.
func TestReplicasGoOnlyOnProvenHosts(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.addHosts(1, 2, 3)
	c.addUnproven(4)
	c.addModule(m1)
	if _, err := c.createShard("a", m1, 3); err != nil {
		t.Fatal(err)
	}
	for _, op := range []meta.Op{meta.OpAddReplica, meta.OpMoveReplica} {
		err := c.change(op, "a", map[meta.Op]string{meta.OpAddReplica: "h4", meta.OpMoveReplica: "h1"}[op], "h4")
		if !errors.Is(err, meta.ErrInvalidArgument) || !strings.Contains(err.Error(), "not proven") {
			t.Errorf("%s onto an unproven host: got %v, want ErrInvalidArgument saying it is not proven", op, err)
		}
	}
	if err := c.do(meta.Request{Op: meta.OpDrainHost, HostName: "h1"}).err; !errors.Is(err, meta.ErrNotEnoughHosts) {
		t.Errorf("draining onto only an unproven host: got %v, want ErrNotEnoughHosts", err)
	}
	c.prove(4)
	c.must(meta.Request{Op: meta.OpDrainHost, HostName: "h1"}, nil)
	if got := onHosts(c.shard("a")); fmt.Sprint(got) != "[2 3 4]" {
		t.Errorf("once h4 is proven, draining h1 moves its replica there: on %v, want [2 3 4]", got)
	}
}
