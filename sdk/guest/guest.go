package guest

// ABIVersion is the version of the Synod guest ABI that this package
// implements; the module's synod_abi_version export returns it.
const ABIVersion = 1

// Limits of ABI version 1. Exceeding one traps the call, so a guest that
// takes keys or values from its input should check them and return an
// [*Error] instead.
const (
	// MaxKeySize is the largest key, in bytes.
	MaxKeySize = 4 << 10
	// MaxValueSize is the largest value, in bytes.
	MaxValueSize = 1 << 20
	// MaxResultSize is the largest result or error message, in bytes.
	MaxResultSize = 4 << 20
)

// Handlers are a state machine's entry points.
//
// The host calls them one at a time, never concurrently, on every replica.
// Both must be deterministic: the same input and the same state must give the
// same result and the same writes (see the package documentation).
//
// The handler may modify the input slice and use it until it returns, not
// after: the next call reuses its memory. The result slice is copied
// before the handler's call returns to the host.
type Handlers struct {
	// Update applies one committed command. It may read and write keys.
	Update func(cmd []byte) (result []byte, err error)
	// Query answers one read-only query. It may read keys; a write traps.
	Query func(query []byte) (result []byte, err error)
}

// registered holds the handlers passed to Register.
var registered Handlers

// Register sets the handlers that the module's synod_update and synod_query
// exports call. Call it from an init function: a module built with
// -buildmode=c-shared never runs main. A later call replaces an earlier one.
//
// A nil handler makes its entry point fail with an application error (code
// 1), for example a state machine without queries leaves Query nil.
func Register(h Handlers) {
	registered = h
}
