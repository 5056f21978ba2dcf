package gateway

import (
	"context"
	"fmt"
	"net/http"

	"connectrpc.com/connect"
	"connectrpc.com/vanguard"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// The REST routes are the google.api.http annotations of the public
// services (docs/api.md lists them): vanguard transcodes each REST call
// to a Connect call of the procedure it names, served by the same
// handlers, interceptors and errors as every other call, and transcodes
// the answer back; a google.api.HttpBody field carries a raw body
// (ProposeRaw, QueryRaw). RPC traffic does not pass through vanguard: it
// reaches the Connect handlers directly, as before.

// publicServices names the public API's services: the ones REST routes,
// reflection and health checking describe.
var publicServices = []string{
	synodv1connect.ModuleServiceName,
	synodv1connect.ShardServiceName,
	synodv1connect.DataServiceName,
	synodv1connect.ClusterServiceName,
	synodv1connect.KeyServiceName,
	synodv1connect.NamespaceServiceName,
}

// restPrefix is the path under which every REST route lies.
const restPrefix = "/v1/"

// restTranscoder returns a handler of the REST routes that calls rpc, the
// Connect handlers of the public services. It fails only if the
// annotations compiled into the API are invalid, which tests catch.
func (g *Gateway) restTranscoder(rpc http.Handler) (http.Handler, error) {
	services := make([]*vanguard.Service, len(publicServices))
	for i, name := range publicServices {
		services[i] = vanguard.NewService(name, rpc)
	}
	t, err := vanguard.NewTranscoder(services,
		vanguard.WithCodec(strictJSON),
		vanguard.WithDefaultServiceOptions(
			// Connect's binary form is the cheapest to transcode to.
			vanguard.WithTargetProtocols(vanguard.ProtocolConnect),
			vanguard.WithTargetCodecs(vanguard.CodecProto),
			vanguard.WithMaxMessageBufferBytes(uint32(g.cfg.MaxRequestBytes)),
		))
	if err != nil {
		return nil, fmt.Errorf("REST routes: %w", err)
	}
	return t, nil
}

// strictJSON returns REST's JSON codec: vanguard's, refusing unknown
// fields (naming them) where vanguard's default drops them.
func strictJSON(res vanguard.TypeResolver) vanguard.Codec {
	c := vanguard.NewJSONCodec(res)
	c.UnmarshalOptions.DiscardUnknown = false
	return jsonCodec{c}
}

// jsonCodec is vanguard's JSON codec whose decoding errors are
// invalid_argument (vanguard reports them as unknown, HTTP 502).
type jsonCodec struct{ *vanguard.JSONCodec }

func (c jsonCodec) Unmarshal(b []byte, msg proto.Message) error {
	return malformed(c.JSONCodec.Unmarshal(b, msg))
}

func (c jsonCodec) UnmarshalField(b []byte, msg proto.Message, field protoreflect.FieldDescriptor) error {
	return malformed(c.JSONCodec.UnmarshalField(b, msg, field))
}

// malformed returns a REST request's decoding error as invalid_argument.
func malformed(err error) error {
	if err == nil {
		return nil
	}
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("malformed request: %w", err))
}

// rest returns the handler of the REST routes over rpc, each call
// authenticated as an RPC is. A call refused for its key goes through a
// transcoder of its own without its body (which stays unread, as for a
// refused RPC) to a handler that fails it, so that the error reaches the
// client as every other REST error does: an HTTP status and a
// google.rpc.Status in JSON.
func (g *Gateway) rest(rpc http.Handler) (http.Handler, error) {
	routes, err := g.restTranscoder(rpc)
	if err != nil {
		return nil, err
	}
	errs := connect.NewErrorWriter()
	refusals, err := g.restTranscoder(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err, _ := r.Context().Value(refusalKey{}).(error)
		_ = errs.Write(w, r, err)
	}))
	if err != nil {
		return nil, err
	}
	return g.authenticate(routes, func(w http.ResponseWriter, r *http.Request, err error) {
		r = r.WithContext(context.WithValue(r.Context(), refusalKey{}, err))
		r.Body, r.ContentLength = http.NoBody, 0
		refusals.ServeHTTP(w, r)
	}), nil
}

// refusalKey is the context key of the error a refused REST call fails
// with.
type refusalKey struct{}
