package meta

import (
	"unicode/utf8"

	"github.com/synodhq/synod/host/internal/fsm"
	"github.com/synodhq/synod/host/internal/store"
	"github.com/synodhq/synod/internal/access"
)

// maxKeyNameBytes bounds a key's label.
const maxKeyNameBytes = 128

func apiKeyKey(id string) []byte { return []byte(keyAPIKey + id) }

// checkKey refuses a malformed key entry. The gateway makes keys; the
// catalogue still checks them, since its entries outlive any gateway.
func checkKey(k *Key) error {
	if k == nil {
		return fail(ErrInvalidArgument, "the command needs a key")
	}
	if err := access.ValidKeyID(k.ID); err != nil {
		return fail(ErrInvalidArgument, "%v", err)
	}
	if err := access.ValidHash(k.SecretHash); err != nil {
		return fail(ErrInvalidArgument, "key %s: %v", k.ID, err)
	}
	if len(k.Name) > maxKeyNameBytes || !utf8.ValidString(k.Name) {
		return fail(ErrInvalidArgument, "key %s: name must be valid UTF-8 of at most %d bytes", k.ID, maxKeyNameBytes)
	}
	if err := k.Grant.Validate(); err != nil {
		return fail(ErrInvalidArgument, "key %s: %v", k.ID, err)
	}
	return nil
}

// MaxKeys is the most API keys a cluster holds. Every gateway reads them
// all each second it is busy, so their number is bounded like any other
// resource.
const MaxKeys = 10000

// createKey records a key made by another. The maker must still exist and
// cover the new key's grant when the command applies, not only when its
// gateway checked, so that a key revoked while gateways' copies catch up
// cannot mint keys that outlive it.
func createKey(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	if err := checkKey(req.Key); err != nil {
		return nil, err
	}
	maker, ok, err := getKey(txn, req.Key.CreatedBy)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, fail(ErrKeyNotFound, "key %q, which is making key %s, does not exist (revoked?)", req.Key.CreatedBy, req.Key.ID)
	case !maker.Covers(req.Key.Grant):
		return nil, fail(ErrInvalidArgument, "key %s may not make a key with that grant", maker.ID)
	}
	if err := checkKeyLimits(txn, req.Key.Grant); err != nil {
		return nil, err
	}
	return storeKey(c, *req.Key, txn)
}

// checkKeyLimits refuses a key over the cluster's cap, or over the keys
// quota of a namespace it has a role in.
func checkKeyLimits(txn *store.Txn, g access.Grant) error {
	keys, err := list[Key](txn, keyAPIKey)
	if err != nil {
		return err
	}
	if len(keys) >= MaxKeys {
		return fail(ErrOverQuota, "the cluster holds %d keys, its most: revoke some first", len(keys))
	}
	for _, ns := range g.Namespaces() {
		q, err := quotaOf(txn, ns)
		if err != nil {
			return err
		}
		n := 0
		for _, k := range keys {
			if _, ok := k.Roles[ns]; ok {
				n++
			}
		}
		if n >= q.Keys {
			return fail(ErrOverQuota, "namespace %s is at its quota of %d keys: revoke one, or ask a cluster admin to raise the quota", ns, q.Keys)
		}
	}
	return nil
}

// getKey returns the key with the given id, if it exists.
func getKey(r kv, id string) (Key, bool, error) {
	return getRecord[Key](r, apiKeyKey(id))
}

// storeKey records a checked key.
func storeKey(c fsm.Call, k Key, txn *store.Txn) ([]byte, error) {
	key := apiKeyKey(k.ID)
	if _, ok, err := txn.Get(key); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return nil, fail(ErrKeyExists, "key %s already exists", k.ID)
	}
	k.CreateNanos = c.TimeNanos
	return putJSON(txn, key, k)
}

// bootstrapKey records a cluster's first admin key. The marker it leaves
// outlives the key, so that a host restarted with an old admin token
// cannot bring back a key an operator revoked.
func bootstrapKey(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	if err := checkKey(req.Key); err != nil {
		return nil, err
	}
	if !req.Key.ClusterAdmin {
		return nil, fail(ErrInvalidArgument, "key %s: a bootstrap key must be a cluster admin", req.Key.ID)
	}
	marker := []byte(keyBootstrapKey)
	if id, ok, err := txn.Get(marker); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return nil, fail(ErrKeyExists, "the cluster's bootstrap admin key was made already (key %s)", id)
	}
	if err := txn.Set(marker, []byte(req.Key.ID)); err != nil {
		return nil, err
	}
	return storeKey(c, *req.Key, txn)
}

// revokeKey deletes a key that the asking key covers. To the asking key,
// a key it does not cover does not exist. Revoking a key leaves the keys
// it made.
func revokeKey(req Request, txn *store.Txn) ([]byte, error) {
	target, ok, err := getKey(txn, req.KeyID)
	if err != nil {
		return nil, err
	}
	by, byOK, err := getKey(txn, req.By)
	if err != nil {
		return nil, err
	}
	if !ok || !byOK || !by.Covers(target.Grant) {
		return nil, fail(ErrKeyNotFound, "key %q not found among the keys key %s may manage", req.KeyID, req.By)
	}
	return nil, txn.Delete(apiKeyKey(req.KeyID))
}
