package gateway

import (
	"context"
	"log/slog"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// The audit log has one record per control-plane change a gateway is
// asked for (every call that is neither a read nor a DataService call),
// whether it succeeded, failed or was refused for its key: who
// (key id and name), what (procedure, namespace, request), when, from
// where (the client's address) and the outcome. Secrets never reach it:
// requests are logged without their bytes fields, and a new key's record
// names its id, never its token.

// audited reports whether a call of the procedure is a control-plane
// change.
func audited(spec connect.Spec) bool {
	if strings.HasPrefix(spec.Procedure, "/"+synodv1connect.DataServiceName+"/") {
		return false
	}
	return spec.IdempotencyLevel != connect.IdempotencyNoSideEffects
}

// audit records a call that reached its handler, if it changes the
// control plane.
func (g *Gateway) audit(req connect.AnyRequest, res connect.AnyResponse, c caller, err error) {
	if !audited(req.Spec()) {
		return
	}
	attrs := g.auditAttrs(req, c, err)
	if res != nil {
		if made, ok := res.Any().(*synodv1.CreateKeyResponse); ok {
			attrs = append(attrs, slog.String("new_key", made.GetKey().GetId()))
		}
		if up, ok := res.Any().(*synodv1.UploadModuleResponse); ok {
			attrs = append(attrs, slog.String("module", up.GetModule().GetHash()))
		}
	}
	g.cfg.Audit.LogAttrs(context.Background(), slog.LevelInfo, "audit", attrs...)
}

// auditRefusal records a control-plane call refused for its key.
func (g *Gateway) auditRefusal(req connect.AnyRequest, c caller, err error) {
	if !audited(req.Spec()) {
		return
	}
	g.cfg.Audit.LogAttrs(context.Background(), slog.LevelWarn, "audit", g.auditAttrs(req, c, err)...)
}

func (g *Gateway) auditAttrs(req connect.AnyRequest, c caller, err error) []slog.Attr {
	outcome := "ok"
	if err != nil {
		outcome = connect.CodeOf(err).String()
	}
	return []slog.Attr{
		slog.String("key", c.key.ID),
		slog.String("key_name", c.key.Name),
		slog.String("from", req.Peer().Addr),
		slog.String("procedure", req.Spec().Procedure),
		slog.String("namespace", c.ns),
		slog.String("request", redacted(req.Any())),
		slog.String("outcome", outcome),
	}
}

// Bounds on an audit record's request, so that no caller can make the
// log grow faster than its calls: a string field is cut at
// maxAuditString bytes, the whole request at maxAuditRequest.
const (
	maxAuditString  = 256
	maxAuditRequest = 2048
)

// redacted returns a request as JSON without its bytes fields (a module's
// code, a command), which may be large or confidential, and with its
// strings cut short (see maxAuditString).
func redacted(msg any) string {
	m, ok := msg.(proto.Message)
	if !ok {
		return ""
	}
	in := m.ProtoReflect()
	out := in.New() // a shallow copy: the request's bytes are not copied
	in.Range(func(f protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case f.Kind() == protoreflect.BytesKind:
		case f.Kind() == protoreflect.StringKind && !f.IsList() && len(v.String()) > maxAuditString:
			out.Set(f, protoreflect.ValueOfString(strings.ToValidUTF8(v.String()[:maxAuditString], "")+"…"))
		default:
			out.Set(f, v)
		}
		return true
	})
	b, err := protojson.Marshal(out.Interface())
	if err != nil {
		return ""
	}
	if len(b) > maxAuditRequest {
		return strings.ToValidUTF8(string(b[:maxAuditRequest]), "") + "…"
	}
	return string(b)
}
