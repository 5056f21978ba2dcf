package meta

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/host/internal/wasm"
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
	// Keys is how many API keys may have a role in the namespace.
	Keys int `json:"keys,omitempty"`
	// StoredBytes is the total of its shards' stored-bytes limits: what
	// the namespace may keep in each replica's store.
	StoredBytes int64 `json:"stored_bytes,omitempty"`
	// ShardFuelLimit, ShardWriteBytesLimit and ShardWriteKeysLimit are the
	// most a shard of the namespace may set as its fuel budget per call
	// and its write limits per command (see [ShardSettings]); they default
	// to the cluster's caps, above which they cannot be set.
	ShardFuelLimit       int64 `json:"shard_fuel_limit,omitempty"`
	ShardWriteBytesLimit int64 `json:"shard_write_bytes_limit,omitempty"`
	ShardWriteKeysLimit  int64 `json:"shard_write_keys_limit,omitempty"`
}

// DefaultQuota is the quota of a namespace that sets none. A namespace's
// 100 shards at the fuel rate of a shard's host (3e8 a second) could use
// 3e10; the default lets one namespace use a tenth of that. The
// default rate of calls is above what a gateway serves on small machines:
// set it lower per namespace to share a cluster between tenants.
var DefaultQuota = Quota{
	Shards:            100,
	ModuleBytes:       256 << 20,
	RequestsPerSecond: 100000,
	FuelPerSecond:     3e9,
	Keys:              100,
	StoredBytes:       16 << 30,

	ShardFuelLimit:       wasm.MaxFuel,
	ShardWriteBytesLimit: store.MaxWriteBytes,
	ShardWriteKeysLimit:  store.MaxWriteKeys,
}

// WithDefaults returns the quota with each zero limit set to the default.
func (q Quota) WithDefaults() Quota {
	d := DefaultQuota
	orDefault(&q.Shards, d.Shards)
	orDefault(&q.ModuleBytes, d.ModuleBytes)
	orDefault(&q.RequestsPerSecond, d.RequestsPerSecond)
	orDefault(&q.FuelPerSecond, d.FuelPerSecond)
	orDefault(&q.Keys, d.Keys)
	orDefault(&q.StoredBytes, d.StoredBytes)
	orDefault(&q.ShardFuelLimit, d.ShardFuelLimit)
	orDefault(&q.ShardWriteBytesLimit, d.ShardWriteBytesLimit)
	orDefault(&q.ShardWriteKeysLimit, d.ShardWriteKeysLimit)
	return q
}

// orDefault sets *v to def if it is zero.
func orDefault[T int | int64](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// Usage is what a namespace uses of the quotas the catalogue counts.
type Usage struct {
	// Shards is how many shards the namespace has.
	Shards int `json:"shards"`
	// ModuleBytes is the total size of its modules, each counted as at
	// least minModuleCharge.
	ModuleBytes int64 `json:"module_bytes"`
	// StoredBytes is the total of its shards' stored-bytes limits.
	StoredBytes int64 `json:"stored_bytes"`
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
	q, _, err := getRecord[Quota](r, quotaKey(ns))
	return q.WithDefaults(), err
}

// minModuleCharge is the least a module counts towards its namespace's
// module bytes, so that the quota also bounds how many modules a namespace
// holds (and the catalogue keeps per module): 4,096 at the default.
const minModuleCharge = 64 << 10

// moduleCharge is what a module of the given size counts towards its
// namespace's module bytes.
func moduleCharge(size int64) int64 { return max(size, minModuleCharge) }

func usageKey(ns string) []byte { return []byte(keyUsage + ns) }

// usageOf returns what a namespace uses. The catalogue keeps the count,
// updated by every command that makes or deletes a shard or a module, so
// that checking a quota reads one record rather than the namespace.
func usageOf(r kv, ns string) (Usage, error) {
	u, _, err := getRecord[Usage](r, usageKey(ns))
	return u, err
}

// addUsage adds d to a namespace's counts.
func addUsage(txn *store.Txn, ns string, d Usage) error {
	u, err := usageOf(txn, ns)
	if err != nil {
		return err
	}
	u.Shards += d.Shards
	u.ModuleBytes += d.ModuleBytes
	u.StoredBytes += d.StoredBytes
	_, err = putJSON(txn, usageKey(ns), u)
	return err
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

// shardSettings returns the settings a new shard of a namespace gets when
// it asks for s: each limit it leaves at zero set to the default, or to
// the namespace's cap if that is lower; or an error naming a limit it asks
// for over the namespace's cap.
func shardSettings(txn *store.Txn, ns string, s ShardSettings) (ShardSettings, error) {
	q, err := quotaOf(txn, ns)
	if err != nil {
		return s, err
	}
	for _, l := range []struct {
		name          string
		value         *uint64
		def, quotaCap uint64
	}{
		{"fuel limit", &s.Fuel, wasm.DefaultFuel, uint64(q.ShardFuelLimit)},
		{"write bytes limit", &s.WriteBytes, store.DefaultWriteBytes, uint64(q.ShardWriteBytesLimit)},
		{"write keys limit", &s.WriteKeys, store.DefaultWriteKeys, uint64(q.ShardWriteKeysLimit)},
	} {
		switch {
		case *l.value == 0:
			*l.value = min(l.def, l.quotaCap)
		case *l.value > l.quotaCap:
			return s, fail(ErrOverQuota, "a %s of %d is over namespace %s's cap of %d: ask for less, or ask a cluster admin to raise the quota", l.name, *l.value, ns, l.quotaCap)
		}
	}
	if s.StoredBytes == 0 {
		s.StoredBytes = store.DefaultStoredBytes
	}
	return s, nil
}

// checkQuota refuses a command that would take its namespace past a
// quota by adding d to its usage.
func checkQuota(txn *store.Txn, ns string, d Usage) error {
	q, err := quotaOf(txn, ns)
	if err != nil {
		return err
	}
	u, err := usageOf(txn, ns)
	if err != nil {
		return err
	}
	switch {
	case u.Shards+d.Shards > q.Shards:
		return fail(ErrOverQuota, "namespace %s is at its quota of %d shards: delete one, or ask a cluster admin to raise the quota", ns, q.Shards)
	case u.ModuleBytes+d.ModuleBytes > q.ModuleBytes:
		return fail(ErrOverQuota, "namespace %s would have %d bytes of modules, over its quota of %d: delete a module, or ask a cluster admin to raise the quota", ns, u.ModuleBytes+d.ModuleBytes, q.ModuleBytes)
	case u.StoredBytes+d.StoredBytes > q.StoredBytes:
		return fail(ErrOverQuota, "namespace %s would have shards that may store %d bytes in all, over its quota of %d stored bytes: ask for a smaller stored-bytes limit, delete a shard, or ask a cluster admin to raise the quota", ns, u.StoredBytes+d.StoredBytes, q.StoredBytes)
	}
	return nil
}

// QuotaChange changes some limits of a quota: those it sets (0: the
// default), leaving the others. Its fields are [Quota]'s.
type QuotaChange struct {
	// Shards, if set, replaces Quota.Shards.
	Shards *int `json:"shards,omitempty"`
	// ModuleBytes, if set, replaces Quota.ModuleBytes.
	ModuleBytes *int64 `json:"module_bytes,omitempty"`
	// RequestsPerSecond, if set, replaces Quota.RequestsPerSecond.
	RequestsPerSecond *int `json:"requests_per_second,omitempty"`
	// FuelPerSecond, if set, replaces Quota.FuelPerSecond.
	FuelPerSecond *int64 `json:"fuel_per_second,omitempty"`
	// Keys, if set, replaces Quota.Keys.
	Keys *int `json:"keys,omitempty"`
	// StoredBytes, if set, replaces Quota.StoredBytes.
	StoredBytes *int64 `json:"stored_bytes,omitempty"`
	// ShardFuelLimit, if set, replaces Quota.ShardFuelLimit.
	ShardFuelLimit *int64 `json:"shard_fuel_limit,omitempty"`
	// ShardWriteBytesLimit, if set, replaces Quota.ShardWriteBytesLimit.
	ShardWriteBytesLimit *int64 `json:"shard_write_bytes_limit,omitempty"`
	// ShardWriteKeysLimit, if set, replaces Quota.ShardWriteKeysLimit.
	ShardWriteKeysLimit *int64 `json:"shard_write_keys_limit,omitempty"`
}

// apply returns q with the change's limits set, or an error naming a
// negative one.
func (c QuotaChange) apply(q Quota) (Quota, error) {
	err := errors.Join(
		setLimit("shards", c.Shards, &q.Shards),
		setLimit("module_bytes", c.ModuleBytes, &q.ModuleBytes),
		setLimit("requests_per_second", c.RequestsPerSecond, &q.RequestsPerSecond),
		setLimit("fuel_per_second", c.FuelPerSecond, &q.FuelPerSecond),
		setLimit("keys", c.Keys, &q.Keys),
		setLimit("stored_bytes", c.StoredBytes, &q.StoredBytes),
		setLimit("shard_fuel_limit", c.ShardFuelLimit, &q.ShardFuelLimit),
		setLimit("shard_write_bytes_limit", c.ShardWriteBytesLimit, &q.ShardWriteBytesLimit),
		setLimit("shard_write_keys_limit", c.ShardWriteKeysLimit, &q.ShardWriteKeysLimit),
	)
	if err != nil {
		return q, err
	}
	capped := q.WithDefaults()
	for _, c := range []struct {
		name     string
		got, max int64
	}{
		{"shard_fuel_limit", capped.ShardFuelLimit, DefaultQuota.ShardFuelLimit},
		{"shard_write_bytes_limit", capped.ShardWriteBytesLimit, DefaultQuota.ShardWriteBytesLimit},
		{"shard_write_keys_limit", capped.ShardWriteKeysLimit, DefaultQuota.ShardWriteKeysLimit},
	} {
		if c.got > c.max {
			return q, fmt.Errorf("%s %d is over the cluster's cap of %d", c.name, c.got, c.max)
		}
	}
	return q, nil
}

// setLimit sets *to to *from, if from is set and not negative.
func setLimit[T int | int64](name string, from, to *T) error {
	switch {
	case from == nil:
		return nil
	case *from < 0:
		return fmt.Errorf("%s must not be negative", name)
	}
	*to = *from
	return nil
}

func setQuota(req Request, txn *store.Txn) ([]byte, error) {
	if req.QuotaChange == nil {
		return nil, fail(ErrInvalidArgument, "set_quota needs a quota change")
	}
	stored, _, err := getRecord[Quota](txn, quotaKey(req.Namespace))
	if err != nil {
		return nil, err
	}
	q, err := req.QuotaChange.apply(stored)
	if err != nil {
		return nil, fail(ErrInvalidArgument, "quota of namespace %s: %v", req.Namespace, err)
	}
	if _, err := putJSON(txn, quotaKey(req.Namespace), q); err != nil {
		return nil, err
	}
	return json.Marshal(q.WithDefaults())
}

func getQuota(r kv, ns string) ([]byte, error) {
	q, err := quotaOf(r, ns)
	if err != nil {
		return nil, err
	}
	return json.Marshal(q)
}
