package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// cluster is a set of server processes and the URL clients call.
type cluster struct {
	url   string
	token string // the API key, for Synod
	procs []*proc
}

func (c *cluster) stop() {
	for _, p := range c.procs {
		p.stop()
	}
}

// startSynod starts three synod host processes and a synod gateway
// process in front of them, as docs/operations.md deploys them, and waits
// until the first key works.
func startSynod(ctx context.Context, synod, dir string) (*cluster, error) {
	addrs, err := freeAddrs(7) // 3 Raft, 3 internal API, 1 gateway
	if err != nil {
		return nil, err
	}
	var members, hostURLs []string
	for i := range 3 {
		members = append(members, fmt.Sprintf("h%d=%s", i+1, addrs[i]))
		hostURLs = append(hostURLs, "http://"+addrs[3+i])
	}
	c := &cluster{url: "http://" + addrs[6]}
	for i := range 3 {
		name := fmt.Sprintf("h%d", i+1)
		p, err := start(dir, name, nil, synod, "host", "--name", name, "--data-dir", filepath.Join(dir, name),
			"--listen", addrs[3+i], "--initial-cluster", strings.Join(members, ","))
		if err != nil {
			c.stop()
			return nil, err
		}
		c.procs = append(c.procs, p)
	}
	gw, err := start(dir, "gateway", nil, synod, "gateway", "--listen", addrs[6], "--hosts", strings.Join(hostURLs, ","))
	if err != nil {
		c.stop()
		return nil, err
	}
	c.procs = append(c.procs, gw)
	if err := waitHTTP(ctx, c.url+"/readyz", 60*time.Second, gw); err != nil {
		c.stop()
		return nil, err
	}
	// The first host writes the first key's token once it made the key;
	// the key works once the catalogue has a leader.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "h1", "admin.token")); err == nil {
			c.token = strings.TrimSpace(string(b))
			cmd := exec.CommandContext(ctx, synod, "--addr", c.url, "shard", "list")
			cmd.Env = append(os.Environ(), "SYNOD_TOKEN="+c.token)
			if err := cmd.Run(); err == nil {
				return c, nil
			}
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("the first key did not work within 60 s (logs in %s)", dir)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// startEtcd starts a three-member etcd cluster, fsync on as by default,
// and waits until every member is healthy.
func startEtcd(ctx context.Context, etcd, dir string) (*cluster, error) {
	addrs, err := freeAddrs(6) // 3 peer, 3 client
	if err != nil {
		return nil, err
	}
	var members, clientURLs []string
	for i := range 3 {
		members = append(members, fmt.Sprintf("e%d=http://%s", i+1, addrs[i]))
		clientURLs = append(clientURLs, "http://"+addrs[3+i])
	}
	c := &cluster{url: strings.Join(clientURLs, ",")}
	for i := range 3 {
		name := fmt.Sprintf("e%d", i+1)
		p, err := start(dir, name, nil, etcd, "--name", name, "--data-dir", filepath.Join(dir, name),
			"--listen-peer-urls", "http://"+addrs[i], "--initial-advertise-peer-urls", "http://"+addrs[i],
			"--listen-client-urls", clientURLs[i], "--advertise-client-urls", clientURLs[i],
			"--initial-cluster", strings.Join(members, ","), "--initial-cluster-state", "new",
			"--initial-cluster-token", "synod-bench-compare")
		if err != nil {
			c.stop()
			return nil, err
		}
		c.procs = append(c.procs, p)
	}
	for i, u := range clientURLs {
		if err := waitHTTP(ctx, u+"/health", 60*time.Second, c.procs[i]); err != nil {
			c.stop()
			return nil, err
		}
	}
	return c, nil
}
