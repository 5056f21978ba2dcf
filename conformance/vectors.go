package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// KVVector is one call of kv/vectors.json (README.md).
type KVVector struct {
	// Call is "update" or "query".
	Call string `json:"call"`
	// Input is the command's bytes.
	Input string `json:"input"`
	// Output is the result's bytes, when the call succeeds.
	Output *string `json:"output"`
	// Error is the application error code, when the module refuses.
	Error uint32 `json:"error"`
	// Trap says that the call traps.
	Trap bool `json:"trap"`
}

// ReadKVVectors reads the vectors from path (kv/vectors.json).
func ReadKVVectors(path string) ([]KVVector, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var vs []KVVector
	if err := json.Unmarshal(b, &vs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, v := range vs {
		if v.Call != "update" && v.Call != "query" {
			return nil, fmt.Errorf("%s: vector %d: call %q is neither update nor query", path, i, v.Call)
		}
	}
	return vs, nil
}

// Outcome is what a call of a kv module did, as a suite observed it.
type Outcome struct {
	Result []byte
	// Err is the call's failure, nil if it succeeded.
	Err error
	// AppCode is the module's error code, when Err is an application
	// error; Trapped says that Err is a trap.
	AppCode  uint32
	AppError bool
	Trapped  bool
}

// Check returns what is wrong with o for v, or nil.
func (v KVVector) Check(o Outcome) error {
	switch {
	case v.Trap && !o.Trapped:
		return fmt.Errorf("%s %s: got %q, %v; want a trap", v.Call, v.Input, o.Result, o.Err)
	case v.Output != nil && (o.Err != nil || !bytes.Equal(o.Result, []byte(*v.Output))):
		return fmt.Errorf("%s %s: got %q, %v; want %q", v.Call, v.Input, o.Result, o.Err, *v.Output)
	case !v.Trap && v.Output == nil && (!o.AppError || o.AppCode != v.Error):
		return fmt.Errorf("%s %s: got %q, %v; want application error %d", v.Call, v.Input, o.Result, o.Err, v.Error)
	}
	return nil
}
