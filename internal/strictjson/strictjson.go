// Package strictjson is the JSON codec of Synod's Connect handlers: it
// refuses a request that names a field its message does not have.
//
// connect-go's own JSON codec discards unknown fields, so that clients and
// servers need not share one version of a schema. For Synod that
// tolerance is a trap: a client that sends a field this server does not
// know (a misspelt name, or an "idempotencyKey" a newer client believes
// exists) would have its call carried out without what it asked for, and
// retry a command it thinks exactly-once into a double apply. A server
// answers such a request with invalid_argument naming the field, as
// docs/design.md asks. The binary codec still skips unknown fields, as
// protobuf's wire compatibility needs; only JSON names its fields.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// HandlerOption installs the codec for both names connect-go gives JSON
// ("json" and "json; charset=utf-8") in place of its own.
func HandlerOption() connect.HandlerOption {
	return connect.WithHandlerOptions(
		connect.WithCodec(codec{name: "json"}),
		connect.WithCodec(codec{name: "json; charset=utf-8"}),
	)
}

// codec is protojson with unknown fields refused when decoding. It
// marshals as connect-go's JSON codec does.
type codec struct{ name string }

// Name returns the codec's name, as the Content-Type and Connect GET
// requests name it.
func (c codec) Name() string { return c.name }

// Marshal encodes a message as canonical protobuf JSON.
func (c codec) Marshal(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("marshal %T: not a protobuf message", m)
	}
	return protojson.Marshal(pm)
}

// Unmarshal decodes a message, refusing a field its schema lacks.
func (c codec) Unmarshal(b []byte, m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return fmt.Errorf("unmarshal into %T: not a protobuf message", m)
	}
	if len(b) == 0 {
		return errors.New("zero-length payload is not a valid JSON object")
	}
	if err := (protojson.UnmarshalOptions{}).Unmarshal(b, pm); err != nil {
		return fmt.Errorf("%s: %w", pm.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}

// MarshalStable encodes a message with a stable byte form, as Connect GET
// requests need: protojson orders fields by number but may vary its
// whitespace, so the output is compacted.
func (c codec) MarshalStable(m any) ([]byte, error) {
	b, err := c.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, fmt.Errorf("compact JSON: %w", err)
	}
	return out.Bytes(), nil
}

// IsBinary reports that JSON is text, which Connect GET requests encode
// without base64.
func (c codec) IsBinary() bool { return false }
