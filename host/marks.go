package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// marks are empty files in the data dir, one for each replica this host
// runs, that remember what dragonboat cannot list: so that a replica whose
// shard was deleted (or which left its group) while the host was down is
// found after a restart and its data deleted.
type marks struct{ dir string }

func (m marks) path(shardID, replicaID uint64) string {
	return filepath.Join(m.dir, "replicas", fmt.Sprintf("%d-%d", shardID, replicaID))
}

func (m marks) set(shardID, replicaID uint64) error {
	path := m.path(shardID, replicaID)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("mark replica: %w", err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		return fmt.Errorf("mark replica: %w", err)
	}
	return nil
}

func (m marks) clear(shardID, replicaID uint64) error {
	err := os.Remove(m.path(shardID, replicaID))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("unmark replica: %w", err)
	}
	return nil
}

// list returns the marked (shard, replica) pairs.
func (m marks) list() ([][2]uint64, error) {
	entries, err := os.ReadDir(filepath.Join(m.dir, "replicas"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list replica marks: %w", err)
	}
	var out [][2]uint64
	for _, e := range entries {
		var shardID, replicaID uint64
		if _, err := fmt.Sscanf(e.Name(), "%d-%d", &shardID, &replicaID); err == nil {
			out = append(out, [2]uint64{shardID, replicaID})
		}
	}
	return out, nil
}
