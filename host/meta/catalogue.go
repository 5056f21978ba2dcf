package meta

import "context"

// Runner runs one catalogue request: a command through the meta shard's
// log when write is true, else a linearizable query. It returns the
// request's result bytes, or an error that matches this package's sentinels
// for catalogue failures. A host implements it, and so
// does a client of a remote host.
type Runner interface {
	RunCatalogue(ctx context.Context, req Request, write bool) ([]byte, error)
}

// Catalogue is the typed catalogue API over a [Runner].
type Catalogue struct {
	Runner Runner
}

func (c Catalogue) call(ctx context.Context, req Request, write bool, out any) error {
	b, err := c.Runner.RunCatalogue(ctx, req, write)
	if err != nil || out == nil {
		return err
	}
	return Decode(b, out)
}

// PutModule records a validated module and its bytes in a namespace;
// putting the same module again returns the existing entry.
func (c Catalogue) PutModule(ctx context.Context, ns string, m Module, wasm []byte) (Module, error) {
	var out Module
	err := c.call(ctx, Request{Op: OpPutModule, Namespace: ns, Module: &m, Wasm: wasm}, true, &out)
	return out, err
}

// GetModule returns a namespace's module entry.
func (c Catalogue) GetModule(ctx context.Context, ns, hash string) (Module, error) {
	var out Module
	err := c.call(ctx, Request{Op: OpGetModule, Namespace: ns, Hash: hash}, false, &out)
	return out, err
}

// ListModules returns every module of a namespace, ordered by hash.
func (c Catalogue) ListModules(ctx context.Context, ns string) ([]Module, error) {
	var out []Module
	err := c.call(ctx, Request{Op: OpListModules, Namespace: ns}, false, &out)
	return out, err
}

// DeleteModule deletes a namespace's module that none of its shards uses.
func (c Catalogue) DeleteModule(ctx context.Context, ns, hash string) error {
	return c.call(ctx, Request{Op: OpDeleteModule, Namespace: ns, Hash: hash}, true, nil)
}

// CreateShard records a new shard in a namespace, running one of the
// namespace's modules, and places its replicas.
func (c Catalogue) CreateShard(ctx context.Context, ns, name, module string, settings ShardSettings) (Shard, error) {
	var out Shard
	err := c.call(ctx, Request{Op: OpCreateShard, Namespace: ns, Name: name, Hash: module, ShardSettings: settings}, true, &out)
	return out, err
}

// GetShard returns a namespace's shard entry.
func (c Catalogue) GetShard(ctx context.Context, ns, name string) (Shard, error) {
	var out Shard
	err := c.call(ctx, Request{Op: OpGetShard, Namespace: ns, Name: name}, false, &out)
	return out, err
}

// ListShards returns every shard of a namespace, ordered by name.
func (c Catalogue) ListShards(ctx context.Context, ns string) ([]Shard, error) {
	var out []Shard
	err := c.call(ctx, Request{Op: OpListShards, Namespace: ns}, false, &out)
	return out, err
}

// ListAllShards returns every shard of every namespace, ordered by
// namespace and name.
func (c Catalogue) ListAllShards(ctx context.Context) ([]Shard, error) {
	var out []Shard
	err := c.call(ctx, Request{Op: OpListShards, AllNamespaces: true}, false, &out)
	return out, err
}

// DeleteShard removes a namespace's shard; its hosts stop its replicas
// and delete its state.
func (c Catalogue) DeleteShard(ctx context.Context, ns, name string) error {
	return c.call(ctx, Request{Op: OpDeleteShard, Namespace: ns, Name: name}, true, nil)
}

// Heartbeat records that a host is up, registering a host of the initial
// cluster the first time.
func (c Catalogue) Heartbeat(ctx context.Context, h Host) error {
	return c.call(ctx, Request{Op: OpHeartbeat, Host: &h}, true, nil)
}

// JoinHost admits a new host (name and addresses) and returns its entry,
// with the id it is to use.
func (c Catalogue) JoinHost(ctx context.Context, h Host) (Host, error) {
	var out Host
	err := c.call(ctx, Request{Op: OpJoinHost, Host: &h}, true, &out)
	return out, err
}

// DrainHost moves every replica off a host and places none there.
func (c Catalogue) DrainHost(ctx context.Context, name string) (Host, error) {
	var out Host
	err := c.call(ctx, Request{Op: OpDrainHost, HostName: name}, true, &out)
	return out, err
}

// RemoveHost removes a dead or drained host for good, moving a dead
// host's replicas to live hosts.
func (c Catalogue) RemoveHost(ctx context.Context, name string) error {
	return c.call(ctx, Request{Op: OpRemoveHost, HostName: name}, true, nil)
}

// ChangeReplicas runs one of OpAddReplica, OpRemoveReplica (shard, host),
// OpMoveReplica (shard, host, target) and OpTransferLeader (shard, host)
// on a namespace's shard, and returns the shard's new entry.
func (c Catalogue) ChangeReplicas(ctx context.Context, op Op, ns, shard, host, target string) (Shard, error) {
	var out Shard
	err := c.call(ctx, Request{Op: op, Namespace: ns, Name: shard, HostName: host, Target: target}, true, &out)
	return out, err
}

// ListHosts returns every registered host, ordered by id.
func (c Catalogue) ListHosts(ctx context.Context) ([]Host, error) {
	var out []Host
	err := c.call(ctx, Request{Op: OpListHosts}, false, &out)
	return out, err
}

// CreateKey records a new API key, made by the caller (see package
// access), and returns its entry.
func (c Catalogue) CreateKey(ctx context.Context, k Key) (Key, error) {
	var out Key
	err := c.call(ctx, Request{Op: OpCreateKey, Key: &k}, true, &out)
	return out, err
}

// BootstrapKey records a new cluster's first admin key; it fails with
// [ErrKeyExists] once the cluster has had one.
func (c Catalogue) BootstrapKey(ctx context.Context, k Key) (Key, error) {
	var out Key
	err := c.call(ctx, Request{Op: OpBootstrapKey, Key: &k}, true, &out)
	return out, err
}

// RevokeKey deletes an API key, asked for by key by, which must cover it.
func (c Catalogue) RevokeKey(ctx context.Context, id, by string) error {
	return c.call(ctx, Request{Op: OpRevokeKey, KeyID: id, By: by}, true, nil)
}

// ListKeys returns every API key, ordered by id.
func (c Catalogue) ListKeys(ctx context.Context) ([]Key, error) {
	var out []Key
	err := c.call(ctx, Request{Op: OpListKeys}, false, &out)
	return out, err
}

// SetQuota changes a namespace's quota and returns it, defaults filled
// in.
func (c Catalogue) SetQuota(ctx context.Context, ns string, change QuotaChange) (Quota, error) {
	var out Quota
	err := c.call(ctx, Request{Op: OpSetQuota, Namespace: ns, QuotaChange: &change}, true, &out)
	return out, err
}

// GetQuota returns a namespace's quota, defaults filled in.
func (c Catalogue) GetQuota(ctx context.Context, ns string) (Quota, error) {
	var out Quota
	err := c.call(ctx, Request{Op: OpGetQuota, Namespace: ns}, false, &out)
	return out, err
}

// GetNamespace returns a namespace's quota and usage.
func (c Catalogue) GetNamespace(ctx context.Context, ns string) (Namespace, error) {
	var out Namespace
	err := c.call(ctx, Request{Op: OpGetNamespace, Namespace: ns}, false, &out)
	return out, err
}
