package meta

import (
	"encoding/json"
	"fmt"
)

// Op names a command or a query.
type Op string

// Commands.
const (
	OpPutModule    Op = "put_module"
	OpDeleteModule Op = "delete_module"
	OpCreateShard  Op = "create_shard"
	OpDeleteShard  Op = "delete_shard"
	OpPutHost      Op = "put_host"
)

// Queries.
const (
	OpGetModule   Op = "get_module"
	OpGetWasm     Op = "get_wasm"
	OpListModules Op = "list_modules"
	OpGetShard    Op = "get_shard"
	OpListShards  Op = "list_shards"
	OpListHosts   Op = "list_hosts"
)

// Request is a command or a query of the meta shard.
type Request struct {
	// Op selects what to do.
	Op Op `json:"op"`
	// Module describes the module of OpPutModule.
	Module *Module `json:"module,omitempty"`
	// Wasm holds the module bytes of OpPutModule.
	Wasm []byte `json:"wasm,omitempty"`
	// Hash names the module of OpDeleteModule, OpGetModule, OpGetWasm and
	// OpCreateShard.
	Hash string `json:"hash,omitempty"`
	// Name names the shard of OpCreateShard, OpDeleteShard and OpGetShard.
	Name string `json:"name,omitempty"`
	// Replicas is the replica count of OpCreateShard (0: the default).
	Replicas int `json:"replicas,omitempty"`
	// Host describes the host of OpPutHost.
	Host *Host `json:"host,omitempty"`
}

// Encode returns the request's wire form.
func (r Request) Encode() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		// Request holds only plain values, which always marshal.
		return nil
	}
	return b
}

func decodeRequest(b []byte) (Request, error) {
	var r Request
	if err := json.Unmarshal(b, &r); err != nil {
		return Request{}, fmt.Errorf("decode meta request: %w", err)
	}
	return r, nil
}

// Decode decodes a meta result into v.
func Decode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode meta result: %w", err)
	}
	return nil
}
