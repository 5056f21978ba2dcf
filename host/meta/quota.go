package meta

import (
	"encoding/json"
	"fmt"

	"github.com/synodhq/synod/host/internal/store"
)

// Quota is what a namespace may use. A zero limit takes the default, so
// that a namespace nobody configured gets [DefaultQuota], and a default
// raised later reaches it.
type Quota struct {
	// Shards is how many shards the namespace may have.
	Shards int `json:"shards,omitempty"`
	// ModuleBytes is the total size of the namespace's modules.
	ModuleBytes int64 `json:"module_bytes,omitempty"`
	// RequestsPerSecond is how many Propose and Query calls a second each
	// gateway admits for the namespace.
	RequestsPerSecond int `json:"requests_per_second,omitempty"`
	// FuelPerSecond is how much fuel a second the namespace's calls may use
	// at each gateway.
	FuelPerSecond int64 `json:"fuel_per_second,omitempty"`
}

// DefaultQuota is the quota of a namespace that sets none. A namespace's
// 100 shards at the default fuel rate of a shard's host (1e9 a second)
// could use 1e11; the default lets one namespace use a tenth of that.
var DefaultQuota = Quota{
	Shards:            100,
	ModuleBytes:       256 << 20,
	RequestsPerSecond: 10000,
	FuelPerSecond:     1e10,
}

// WithDefaults returns the quota with each zero limit set to the default.
func (q Quota) WithDefaults() Quota {
	if q.Shards == 0 {
		q.Shards = DefaultQuota.Shards
	}
	if q.ModuleBytes == 0 {
		q.ModuleBytes = DefaultQuota.ModuleBytes
	}
	if q.RequestsPerSecond == 0 {
		q.RequestsPerSecond = DefaultQuota.RequestsPerSecond
	}
	if q.FuelPerSecond == 0 {
		q.FuelPerSecond = DefaultQuota.FuelPerSecond
	}
	return q
}

// Usage is what a namespace uses of the quotas the catalogue counts.
type Usage struct {
	// Shards is how many shards the namespace has.
	Shards int `json:"shards"`
	// ModuleBytes is the total size of its modules.
	ModuleBytes int64 `json:"module_bytes"`
}

// Namespace is a namespace's quota, defaults filled in, and usage.
type Namespace struct {
	// Name is the namespace.
	Name string `json:"name"`
	// Quota is its quota.
	Quota Quota `json:"quota"`
	// Usage is what it uses.
	Usage Usage `json:"usage"`
}

func quotaKey(ns string) []byte { return []byte(keyQuota + ns) }

// quotaOf returns a namespace's quota, defaults filled in.
func quotaOf(r kv, ns string) (Quota, error) {
	var q Quota
	b, ok, err := r.Get(quotaKey(ns))
	if err != nil || !ok {
		return q.WithDefaults(), err
	}
	if err := json.Unmarshal(b, &q); err != nil {
		return q, fmt.Errorf("decode quota of namespace %s: %w", ns, err)
	}
	return q.WithDefaults(), nil
}

// usageOf counts what a namespace uses.
func usageOf(r kv, ns string) (Usage, error) {
	shards, err := list[Shard](r, keyShard+ns+"/")
	if err != nil {
		return Usage{}, err
	}
	mods, err := list[Module](r, keyModule+ns+"/")
	if err != nil {
		return Usage{}, err
	}
	u := Usage{Shards: len(shards)}
	for _, m := range mods {
		u.ModuleBytes += m.Size
	}
	return u, nil
}

// namespaceOf describes a namespace.
func namespaceOf(r kv, ns string) ([]byte, error) {
	q, err := quotaOf(r, ns)
	if err != nil {
		return nil, err
	}
	u, err := usageOf(r, ns)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Namespace{Name: ns, Quota: q, Usage: u})
}

// checkQuota refuses a command that would take its namespace past a
// quota: one more shard, or moduleBytes more of modules.
func checkQuota(txn *store.Txn, ns string, shards int, moduleBytes int64) error {
	q, err := quotaOf(txn, ns)
	if err != nil {
		return err
	}
	u, err := usageOf(txn, ns)
	if err != nil {
		return err
	}
	switch {
	case u.Shards+shards > q.Shards:
		return fail(ErrOverQuota, "namespace %s is at its quota of %d shards: delete one, or ask a cluster admin to raise the quota", ns, q.Shards)
	case u.ModuleBytes+moduleBytes > q.ModuleBytes:
		return fail(ErrOverQuota, "namespace %s would have %d bytes of modules, over its quota of %d: delete a module, or ask a cluster admin to raise the quota", ns, u.ModuleBytes+moduleBytes, q.ModuleBytes)
	}
	return nil
}

func setQuota(req Request, txn *store.Txn) ([]byte, error) {
	if req.Quota == nil {
		return nil, fail(ErrInvalidArgument, "set_quota needs a quota")
	}
	q := *req.Quota
	if q.Shards < 0 || q.ModuleBytes < 0 || q.RequestsPerSecond < 0 || q.FuelPerSecond < 0 {
		return nil, fail(ErrInvalidArgument, "quota of namespace %s: limits must not be negative", req.Namespace)
	}
	if _, err := putJSON(txn, quotaKey(req.Namespace), q); err != nil {
		return nil, err
	}
	return json.Marshal(q.WithDefaults())
}
