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

func createKey(c fsm.Call, req Request, txn *store.Txn) ([]byte, error) {
	if err := checkKey(req.Key); err != nil {
		return nil, err
	}
	key := apiKeyKey(req.Key.ID)
	if _, ok, err := txn.Get(key); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return nil, fail(ErrKeyExists, "key %s already exists", req.Key.ID)
	}
	k := *req.Key
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
	return createKey(c, req, txn)
}

func revokeKey(req Request, txn *store.Txn) ([]byte, error) {
	key := apiKeyKey(req.KeyID)
	if _, ok, err := txn.Get(key); err != nil || !ok {
		if err != nil {
			return nil, err
		}
		return nil, fail(ErrKeyNotFound, "key %q not found", req.KeyID)
	}
	return nil, txn.Delete(key)
}
