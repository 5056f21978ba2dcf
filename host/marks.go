package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// marks are empty files in the data dir that remember, across restarts,
// what dragonboat cannot be asked before a replica starts:
//
//   - markRunning: the replicas this host runs, so that one whose shard was
//     deleted (or which left its group) while the host was down is found
//     and its data deleted;
//   - markVoting: the joined replicas this host has seen promoted. A
//     joined replica is added as a non-voting member, and dragonboat must
//     be told at each start which of the two it is.
type marks struct{ dir string }

const (
	markRunning = "replicas"
	markVoting  = "voting"
)

func (m marks) path(kind string, shardID, replicaID uint64) string {
	return filepath.Join(m.dir, kind, fmt.Sprintf("%d-%d", shardID, replicaID))
}

func (m marks) has(kind string, shardID, replicaID uint64) bool {
	_, err := os.Stat(m.path(kind, shardID, replicaID))
	return err == nil
}

func (m marks) set(kind string, shardID, replicaID uint64) error {
	path := m.path(kind, shardID, replicaID)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("mark %s: %w", kind, err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		return fmt.Errorf("mark %s: %w", kind, err)
	}
	return nil
}

func (m marks) clear(kind string, shardID, replicaID uint64) error {
	err := os.Remove(m.path(kind, shardID, replicaID))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("unmark %s: %w", kind, err)
	}
	return nil
}

// list returns the (shard, replica) pairs marked with kind.
func (m marks) list(kind string) ([][2]uint64, error) {
	entries, err := os.ReadDir(filepath.Join(m.dir, kind))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s marks: %w", kind, err)
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

// noteVoting marks this host's joined replica as a voter once the replica
// itself says it is one.
func (h *Host) noteVoting(shardID, replicaID uint64) error {
	if h.marks.has(markVoting, shardID, replicaID) {
		return nil
	}
	if voting, ok := h.Voting(shardID); !ok || !voting {
		return nil
	}
	return h.marks.set(markVoting, shardID, replicaID)
}
