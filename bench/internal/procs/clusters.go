package procs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/synodhq/synod/internal/testport"
)

// Cluster is a set of server processes and the URL clients call.
type Cluster struct {
	// URL is what clients call: the gateway's URL, or etcd's client
	// URLs, comma-separated.
	URL string
	// Token is the first API key's token, for Synod.
	Token string
	// Procs are the processes: Synod's hosts, then its gateway; etcd's
	// members.
	Procs []*Proc
	// HostURLs are Synod's hosts' internal API URLs, in Procs' order.
	HostURLs []string

	synod string // the synod binary, for Run
}

// Run runs the synod command line against a Synod cluster's gateway,
// with its first key.
func (c *Cluster) Run(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, c.synod, append([]string{"--addr", c.URL}, args...)...)
	cmd.Env = append(os.Environ(), "SYNOD_TOKEN="+c.Token)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("synod %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// Stop stops every process.
func (c *Cluster) Stop() {
	for _, p := range c.Procs {
		p.Stop()
	}
}

// StartSynod starts n synod host processes, each with hostArgs besides
// its own flags, and a synod gateway process in front of them, as
// docs/operations.md deploys them (every host in the initial cluster), and
// waits until the first key works.
func StartSynod(ctx context.Context, synod, dir string, n int, hostArgs ...string) (*Cluster, error) {
	addrs, err := testport.Addrs(2*n + 1) // n Raft, n internal API, the gateway
	if err != nil {
		return nil, err
	}
	var members, hostURLs []string
	for i := range n {
		members = append(members, fmt.Sprintf("h%d=%s", i+1, addrs[i]))
		hostURLs = append(hostURLs, "http://"+addrs[n+i])
	}
	c := &Cluster{URL: "http://" + addrs[2*n], HostURLs: hostURLs, synod: synod}
	for i := range n {
		name := fmt.Sprintf("h%d", i+1)
		args := append([]string{"host", "--name", name, "--data-dir", filepath.Join(dir, name),
			"--listen", addrs[n+i], "--initial-cluster", strings.Join(members, ",")}, hostArgs...)
		p, err := start(dir, name, nil, synod, args...)
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.Procs = append(c.Procs, p)
	}
	gw, err := start(dir, "gateway", nil, synod, "gateway", "--listen", addrs[2*n], "--hosts", strings.Join(hostURLs, ","))
	if err != nil {
		c.Stop()
		return nil, err
	}
	c.Procs = append(c.Procs, gw)
	if err := waitHTTP(ctx, c.URL+"/readyz", 60*time.Second, gw); err != nil {
		c.Stop()
		return nil, err
	}
	// The first host writes the first key's token once it made the key;
	// the key works once the catalogue has a leader.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "h1", "admin.token")); err == nil {
			c.Token = strings.TrimSpace(string(b))
			if err := c.Run(ctx, "shard", "list"); err == nil {
				return c, nil
			}
		}
		if time.Now().After(deadline) {
			c.Stop()
			return nil, fmt.Errorf("the first key did not work within 60 s (logs in %s)", dir)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// StartEtcd starts a three-member etcd cluster, fsync on as by default,
// and waits until every member is healthy.
func StartEtcd(ctx context.Context, etcd, dir string) (*Cluster, error) {
	addrs, err := testport.Addrs(6) // 3 peer, 3 client
	if err != nil {
		return nil, err
	}
	var members, clientURLs []string
	for i := range 3 {
		members = append(members, fmt.Sprintf("e%d=http://%s", i+1, addrs[i]))
		clientURLs = append(clientURLs, "http://"+addrs[3+i])
	}
	c := &Cluster{URL: strings.Join(clientURLs, ",")}
	for i := range 3 {
		name := fmt.Sprintf("e%d", i+1)
		p, err := start(dir, name, nil, etcd, "--name", name, "--data-dir", filepath.Join(dir, name),
			"--listen-peer-urls", "http://"+addrs[i], "--initial-advertise-peer-urls", "http://"+addrs[i],
			"--listen-client-urls", clientURLs[i], "--advertise-client-urls", clientURLs[i],
			"--initial-cluster", strings.Join(members, ","), "--initial-cluster-state", "new",
			"--initial-cluster-token", "synod-bench-compare")
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.Procs = append(c.Procs, p)
	}
	for i, u := range clientURLs {
		if err := waitHTTP(ctx, u+"/health", 60*time.Second, c.Procs[i]); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}
