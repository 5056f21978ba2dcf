package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/access"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// needs says what each public procedure needs of its caller's key. A
// procedure missing here is refused to everyone; a test checks that every
// procedure of every service is listed. KeyService's calls need only a
// valid key here: what they may touch depends on the keys they name, so
// their handlers check it.
var needs = map[string]access.Need{
	synodv1connect.ModuleServiceUploadModuleProcedure: {Role: access.Admin},
	synodv1connect.ModuleServiceGetModuleProcedure:    {Role: access.Reader},
	synodv1connect.ModuleServiceListModulesProcedure:  {Role: access.Reader},
	synodv1connect.ModuleServiceDeleteModuleProcedure: {Role: access.Admin},

	synodv1connect.ShardServiceCreateShardProcedure: {Role: access.Admin},
	synodv1connect.ShardServiceGetShardProcedure:    {Role: access.Reader},
	synodv1connect.ShardServiceListShardsProcedure:  {Role: access.Reader},
	synodv1connect.ShardServiceDeleteShardProcedure: {Role: access.Admin},
	synodv1connect.ShardServiceCheckShardProcedure:  {Role: access.Admin},

	synodv1connect.DataServiceProposeProcedure:      {Role: access.Writer},
	synodv1connect.DataServiceProposeBatchProcedure: {Role: access.Writer},
	synodv1connect.DataServiceQueryProcedure:        {Role: access.Reader},
	synodv1connect.DataServiceProposeRawProcedure:   {Role: access.Writer},
	synodv1connect.DataServiceQueryRawProcedure:     {Role: access.Reader},

	synodv1connect.ClusterServiceGetStatusProcedure:      {Cluster: true},
	synodv1connect.ClusterServiceAddReplicaProcedure:     {Cluster: true},
	synodv1connect.ClusterServiceRemoveReplicaProcedure:  {Cluster: true},
	synodv1connect.ClusterServiceMoveReplicaProcedure:    {Cluster: true},
	synodv1connect.ClusterServiceTransferLeaderProcedure: {Cluster: true},
	synodv1connect.ClusterServiceDrainHostProcedure:      {Cluster: true},
	synodv1connect.ClusterServiceRemoveHostProcedure:     {Cluster: true},

	synodv1connect.KeyServiceCreateKeyProcedure: {},
	synodv1connect.KeyServiceListKeysProcedure:  {},
	synodv1connect.KeyServiceRevokeKeyProcedure: {},
	synodv1connect.KeyServiceWhoAmIProcedure:    {},

	synodv1connect.NamespaceServiceGetNamespaceProcedure: {Role: access.Reader},
	synodv1connect.NamespaceServiceSetQuotaProcedure:     {Cluster: true},
}

// caller is who makes a call, and in which namespace: what the access
// interceptor learned, for the handlers.
type caller struct {
	key meta.Key
	ns  string
	// metered is set for a call counted against its namespace's rate
	// quotas: one that names a namespace and is not a cluster admin's
	// call (see NamespaceService).
	metered bool
}

type callerKey struct{}

// callerOf returns the caller of the call ctx belongs to.
func callerOf(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// namespaced is a request that names a namespace.
type namespaced interface{ GetNamespace() string }

// errNoKey and errBadKey are the Unauthenticated failures. Neither repeats
// what the client sent, which may be a secret sent to the wrong place.
var (
	errNoKey  = connect.NewError(connect.CodeUnauthenticated, errors.New(`no API key: send "Authorization: Bearer <token>" (the CLI reads SYNOD_TOKEN)`))
	errBadKey = connect.NewError(connect.CodeUnauthenticated, errors.New("API key not recognised: it is malformed, revoked or was never issued"))
	// errKeysUnavailable tells nothing of the cluster's insides to a
	// caller that may not have shown a key yet; the log has the cause.
	errKeysUnavailable = connect.NewError(connect.CodeUnavailable, errors.New("cannot check API keys now; retry"))
)

// authenticate is the gateway's outermost HTTP layer for the API: it
// finds the key a request presents before anything reads the request's
// body, and has refuse answer a request without a valid one, in the
// protocol the client speaks. Only GET /healthz, GET /readyz, health
// checks and reflection need no key.
func (g *Gateway) authenticate(next http.Handler, refuse func(http.ResponseWriter, *http.Request, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, err := g.keyOf(r)
		if err != nil {
			refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, caller{key: key})))
	})
}

// keyOf returns the valid key a request presents.
func (g *Gateway) keyOf(r *http.Request) (meta.Key, error) {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || bearer == "" {
		return meta.Key{}, errNoKey
	}
	tok, err := access.ParseToken(bearer)
	if err != nil {
		g.badKeys.warn(g.cfg.Logger, "from", r.RemoteAddr)
		return meta.Key{}, errBadKey
	}
	key, found, err := g.keys.lookup(r.Context(), tok.ID)
	switch {
	case err != nil:
		g.keysDown.warn(g.cfg.Logger, "err", err)
		return meta.Key{}, errKeysUnavailable
	case !found || !tok.Matches(key.SecretHash):
		g.badKeys.warn(g.cfg.Logger, "from", r.RemoteAddr, "key", tok.ID)
		return meta.Key{}, errBadKey
	}
	return key, nil
}

// authorize is the outermost interceptor: it checks that the caller's key
// may make the call in the namespace the request names, and writes the
// audit record of every control-plane change.
func (g *Gateway) authorize() connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			c, err := permit(callerOf(ctx).key, req)
			if err != nil {
				g.auditRefusal(req, c, err)
				return nil, err
			}
			res, err := next(context.WithValue(ctx, callerKey{}, c), req)
			g.audit(req, res, c, err)
			return res, err
		}
	}
}

// permit checks that key may make the call, and returns the caller.
func permit(key meta.Key, req connect.AnyRequest) (caller, error) {
	c := caller{key: key, ns: access.DefaultNamespace}
	need, ok := needs[req.Spec().Procedure]
	if !ok || key.ID == "" {
		return c, connect.NewError(connect.CodePermissionDenied, fmt.Errorf("%s is not open to any key", req.Spec().Procedure))
	}
	if m, ok := req.Any().(namespaced); ok {
		var err error
		if c.ns, err = access.Namespace(m.GetNamespace()); err != nil {
			return c, connect.NewError(connect.CodeInvalidArgument, err)
		}
		c.metered = !need.Cluster
	}
	if !key.Allows(need, c.ns) {
		return c, denied(key, need, c.ns)
	}
	return c, nil
}

// denied is the PermissionDenied failure of a key that may not make a
// call: it names the key by id, and what the call needs.
func denied(key meta.Key, need access.Need, ns string) error {
	if need.Cluster {
		return connect.NewError(connect.CodePermissionDenied, fmt.Errorf("key %s may not make this call: it needs a cluster admin key", key.ID))
	}
	return connect.NewError(connect.CodePermissionDenied, fmt.Errorf("key %s may not make this call in namespace %s: it needs the %s role there, and has %s", key.ID, ns, need, key.Role(ns)))
}
