package fsm

// The first byte of every entry in a shard's log says what it is. Each
// value is in logs for good: never renumber or reuse one.
const (
	// entryCommandV1 is a command without a fuel budget, as logs written
	// before fuel hold: [1][time].
	entryCommandV1 = 1
	// entryVerify is a verify entry (see checksum.go):
	// [2][index][checksum].
	entryVerify = 2
	// entryCommandV2 is a command with its fuel budget: [3][time][fuel].
	entryCommandV2 = 3
	// entryCommandV3 is a command with its fuel budget and write limits:
	// [4][time][fuel][write bytes][write keys][stored bytes].
	entryCommandV3 = 4
	// entryCommandV4 is a command that may carry an idempotency key:
	// [5][time][fuel][write bytes][write keys][stored bytes][key length,
	// 1 byte], then for a key [window][max keys][max bytes][key], then
	// the payload.
	entryCommandV4 = 5
	// entryBatch is several commands in one entry (see EncodeBatch).
	entryBatch = 6
)

// The outcome of an entry, in its sm.Result.Value. Every replica folds it
// into its checksum: never renumber or reuse one.
const (
	resultOK        = 0
	resultAppError  = 1
	resultTrap      = 2
	resultOutOfFuel = 3
	resultHalted    = 4
	// resultRefused is an executor's refusal (an [*outcome.Error]), such
	// as the catalogue's "shard not found".
	resultRefused = 5
	// resultBatch is the result of a batch entry: each command's result
	// in one (see encodeBatchResult).
	resultBatch = 6
)
