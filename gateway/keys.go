package gateway

import (
	"context"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/synodhq/synod/host/meta"
	"github.com/synodhq/synod/internal/access"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// keyService implements synod.v1.KeyService. A key may manage only the
// keys its grant covers (see [access.Grant.Covers]); to any other key, a
// key it may not manage does not exist.
type keyService struct{ g *Gateway }

func (s *keyService) CreateKey(ctx context.Context, req *connect.Request[synodv1.CreateKeyRequest]) (*connect.Response[synodv1.CreateKeyResponse], error) {
	grant, err := grantOf(req.Msg.GetClusterAdmin(), req.Msg.GetRoles())
	if err != nil {
		return nil, err
	}
	me := callerOf(ctx).key
	if !me.Covers(grant) {
		return nil, connect.NewError(connect.CodePermissionDenied, fmt.Errorf("key %s may not make this key: only a cluster admin may make a cluster admin, and a key may give roles only in namespaces it administers", me.ID))
	}
	tok := access.NewToken()
	key := meta.Key{ID: tok.ID, Name: req.Msg.GetName(), SecretHash: tok.Hash(), Grant: grant, CreatedBy: me.ID}
	err = s.g.router.catalogue(ctx, write, func(h Host) error {
		var err error
		key, err = catalogueOf(h).CreateKey(ctx, key)
		return err
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&synodv1.CreateKeyResponse{Key: keyProto(key), Token: tok.String()}), nil
}

func (s *keyService) ListKeys(ctx context.Context, _ *connect.Request[synodv1.ListKeysRequest]) (*connect.Response[synodv1.ListKeysResponse], error) {
	keys, err := s.g.keys.all(ctx)
	if err != nil {
		return nil, err
	}
	me := callerOf(ctx).key
	out := &synodv1.ListKeysResponse{}
	for _, k := range keys {
		if me.Covers(k.Grant) {
			out.Keys = append(out.Keys, keyProto(k))
		}
	}
	return connect.NewResponse(out), nil
}

func (s *keyService) RevokeKey(ctx context.Context, req *connect.Request[synodv1.RevokeKeyRequest]) (*connect.Response[synodv1.RevokeKeyResponse], error) {
	id := req.Msg.GetId()
	if err := access.ValidKeyID(id); err != nil {
		return nil, invalid("%v", err)
	}
	err := s.g.router.catalogue(ctx, write, func(h Host) error {
		return catalogueOf(h).RevokeKey(ctx, id, callerOf(ctx).key.ID)
	})
	if err != nil {
		return nil, err
	}
	s.g.keys.refresh()
	return connect.NewResponse(&synodv1.RevokeKeyResponse{}), nil
}

func (s *keyService) WhoAmI(ctx context.Context, _ *connect.Request[synodv1.WhoAmIRequest]) (*connect.Response[synodv1.WhoAmIResponse], error) {
	return connect.NewResponse(&synodv1.WhoAmIResponse{Key: keyProto(callerOf(ctx).key)}), nil
}

// listKeys reads every key from the catalogue.
func (g *Gateway) listKeys(ctx context.Context) ([]meta.Key, error) {
	var keys []meta.Key
	err := g.router.catalogue(ctx, readOnly, func(h Host) error {
		var err error
		keys, err = catalogueOf(h).ListKeys(ctx)
		return err
	})
	return keys, err
}

// grantOf converts a request's roles into a grant, refusing bad ones.
func grantOf(clusterAdmin bool, roles []*synodv1.NamespaceRole) (access.Grant, error) {
	g := access.Grant{ClusterAdmin: clusterAdmin}
	for _, r := range roles {
		ns := r.GetNamespace()
		if _, err := access.Namespace(ns); err != nil || ns == "" {
			return g, invalid("role in namespace %q: name a namespace: 1 to 63 lowercase letters, digits and '-', starting with a letter", ns)
		}
		role, ok := roleValues[r.GetRole()]
		if !ok {
			return g, invalid("role in namespace %s: choose ROLE_READER, ROLE_WRITER or ROLE_ADMIN", ns)
		}
		if _, dup := g.Roles[ns]; dup {
			return g, invalid("namespace %s is named twice", ns)
		}
		if g.Roles == nil {
			g.Roles = make(map[string]access.Role)
		}
		g.Roles[ns] = role
	}
	if err := g.Validate(); err != nil {
		return g, invalid("%v", err)
	}
	return g, nil
}

// roleValues maps the public roles to access's.
var roleValues = map[synodv1.Role]access.Role{
	synodv1.Role_ROLE_READER: access.Reader,
	synodv1.Role_ROLE_WRITER: access.Writer,
	synodv1.Role_ROLE_ADMIN:  access.Admin,
}

func keyProto(k meta.Key) *synodv1.Key {
	out := &synodv1.Key{
		Id:           k.ID,
		Name:         k.Name,
		ClusterAdmin: k.ClusterAdmin,
		CreateTime:   timestamppb.New(time.Unix(0, k.CreateNanos)),
		CreatedBy:    k.CreatedBy,
	}
	for _, ns := range k.Namespaces() {
		out.Roles = append(out.Roles, &synodv1.NamespaceRole{Namespace: ns, Role: roleProto(k.Roles[ns])})
	}
	return out
}

func roleProto(r access.Role) synodv1.Role {
	for p, a := range roleValues {
		if a == r {
			return p
		}
	}
	return synodv1.Role_ROLE_UNSPECIFIED
}
