package gateway

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/synodhq/synod/host/meta"
)

// The keyring's freshness. A gateway reloads the cluster's keys when its
// copy is older than keysRefreshAfter: in the background while the copy
// is younger than keysMaxStale, in the call's path after that. So a
// revoked key stops working at every busy gateway within about
// keysRefreshAfter plus one catalogue read, and at an idle one at once. A
// key id the copy does not know waits for a load that began after the
// call arrived, so that a new key works at once everywhere; such loads
// start at most once per keysMissInterval, so that made-up ids cost the
// cluster little.
const (
	keysRefreshAfter = time.Second
	keysMaxStale     = 10 * time.Second
	keysMissInterval = 250 * time.Millisecond
	keysLoadTimeout  = 5 * time.Second
)

// keyring is a gateway's copy of the cluster's API keys.
type keyring struct {
	load func(ctx context.Context) ([]meta.Key, error)

	mu       sync.Mutex
	keys     map[string]meta.Key
	loadedAt time.Time     // when the load that read keys began
	started  time.Time     // when the last load began
	loading  chan struct{} // closed when the load in flight ends; nil if none
	lastErr  error         // the last load's failure, nil if it succeeded
}

// lookup returns the key with the given id, and whether it exists.
func (k *keyring) lookup(ctx context.Context, id string) (meta.Key, bool, error) {
	arrived := time.Now()
	k.mu.Lock()
	age := arrived.Sub(k.loadedAt)
	key, found := k.keys[id]
	k.mu.Unlock()
	switch {
	case found && age < keysRefreshAfter:
		return key, true, nil
	case found && age < keysMaxStale:
		k.refresh() // in the background: the copy is fresh enough
		return key, true, nil
	}
	if err := k.loadSince(ctx, arrived); err != nil {
		return meta.Key{}, false, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	key, found = k.keys[id]
	return key, found, nil
}

// loadSince returns once the copy comes from a load that began at or
// after t, starting loads no more often than keysMissInterval.
func (k *keyring) loadSince(ctx context.Context, t time.Time) error {
	for {
		k.mu.Lock()
		done, tried := !k.loadedAt.Before(t), !k.started.Before(t)
		throttle, err := time.Until(k.started.Add(keysMissInterval)), k.lastErr
		k.mu.Unlock()
		switch {
		case done:
			return nil
		case err != nil && tried:
			return fmt.Errorf("the cluster's keys could not be read: %w", err)
		}
		if throttle > 0 && !sleep(ctx, throttle) {
			return ctx.Err()
		}
		select {
		case <-k.refresh():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// sleep waits for d or ctx, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// refresh starts a load unless one is in flight, and returns a channel
// closed when the load ends.
func (k *keyring) refresh() <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.loading != nil {
		return k.loading
	}
	done := make(chan struct{})
	k.loading = done
	started := time.Now()
	k.started, k.lastErr = started, nil
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), keysLoadTimeout)
		keys, err := k.load(ctx)
		cancel()
		k.mu.Lock()
		defer k.mu.Unlock()
		k.loading = nil
		k.lastErr = err
		if err == nil {
			k.keys = make(map[string]meta.Key, len(keys))
			for _, key := range keys {
				k.keys[key.ID] = key
			}
			k.loadedAt = started
		}
		close(done)
	}()
	return done
}

// all returns every key, ordered by id, from a load that began after the
// call: a key made or revoked before it shows. Concurrent callers share
// loads, which start at most once per keysMissInterval.
func (k *keyring) all(ctx context.Context) ([]meta.Key, error) {
	if err := k.loadSince(ctx, time.Now()); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]meta.Key, 0, len(k.keys))
	for _, key := range k.keys {
		out = append(out, key)
	}
	slices.SortFunc(out, func(a, b meta.Key) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
