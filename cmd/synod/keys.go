package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/internal/access"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// The key commands: API keys, and the CLI's own.

var rolesByName = map[string]synodv1.Role{
	"reader": synodv1.Role_ROLE_READER,
	"writer": synodv1.Role_ROLE_WRITER,
	"admin":  synodv1.Role_ROLE_ADMIN,
}

func keyCreate(fs *flag.FlagSet) action {
	clusterAdmin := fs.Bool("cluster-admin", false, "make a cluster admin key")
	roles := fs.String("role", "", "`NAMESPACE=ROLE,...` roles of the key (ROLE: reader, writer or admin)")
	return func(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
		req := &synodv1.CreateKeyRequest{Name: pos[0], ClusterAdmin: *clusterAdmin}
		for _, part := range strings.Split(*roles, ",") {
			if part == "" {
				continue
			}
			ns, role, ok := strings.Cut(part, "=")
			r, known := rolesByName[role]
			if !ok || !known {
				return output{}, usagef("--role %q: use NAMESPACE=reader, writer or admin", part)
			}
			req.Roles = append(req.Roles, &synodv1.NamespaceRole{Namespace: ns, Role: r})
		}
		res, err := c.keys.CreateKey(ctx, connect.NewRequest(req))
		if err != nil {
			return output{}, err
		}
		return output{res.Msg, func(w io.Writer) error {
			if err := printKeys(w, []*synodv1.Key{res.Msg.GetKey()}); err != nil {
				return err
			}
			_, err := fmt.Fprintf(w, "\ntoken (shown only now; keep it secret):\n%s\n", res.Msg.GetToken())
			return err
		}}, nil
	}
}

func keyList(ctx context.Context, c clients, _ []string, _ io.Reader) (output, error) {
	res, err := c.keys.ListKeys(ctx, connect.NewRequest(&synodv1.ListKeysRequest{}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error { return printKeys(w, res.Msg.GetKeys()) }}, nil
}

func keyRevoke(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	res, err := c.keys.RevokeKey(ctx, connect.NewRequest(&synodv1.RevokeKeyRequest{Id: pos[0]}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error { _, err := fmt.Fprintf(w, "revoked key %s\n", pos[0]); return err }}, nil
}

func keyWhoAmI(ctx context.Context, c clients, _ []string, _ io.Reader) (output, error) {
	res, err := c.keys.WhoAmI(ctx, connect.NewRequest(&synodv1.WhoAmIRequest{}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error { return printKeys(w, []*synodv1.Key{res.Msg.GetKey()}) }}, nil
}

func printKeys(w io.Writer, keys []*synodv1.Key) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tGRANT\tCREATED\tBY")
	for _, k := range keys {
		var grant []string
		if k.GetClusterAdmin() {
			grant = append(grant, "cluster-admin")
		}
		for _, r := range k.GetRoles() {
			grant = append(grant, r.GetNamespace()+"="+strings.ToLower(strings.TrimPrefix(r.GetRole().String(), "ROLE_")))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.GetId(), k.GetName(), strings.Join(grant, ","),
			k.GetCreateTime().AsTime().Format(time.RFC3339), k.GetCreatedBy())
	}
	return tw.Flush()
}

// login reads a token from standard input, checks it against the gateway
// and saves it for the gateway's URL in the credentials file.
func login(ctx context.Context, c clients, _ []string, stdin io.Reader) (output, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return output{}, fmt.Errorf("read token from standard input: %w", err)
	}
	tok, err := access.ParseToken(line)
	if err != nil {
		return output{}, fmt.Errorf("the token on standard input: %w", err)
	}
	addr := c.flags.addr
	c, err = newClients(c.flags, tok.String())
	if err != nil {
		return output{}, err
	}
	res, err := c.keys.WhoAmI(ctx, connect.NewRequest(&synodv1.WhoAmIRequest{}))
	if err != nil {
		return output{}, fmt.Errorf("check the token with %s: %w", addr, err)
	}
	path, err := saveToken(addr, tok.String())
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "logged in to %s as key %s (%s); token saved in %s\n", addr, tok.ID, res.Msg.GetKey().GetName(), path)
		return err
	}}, nil
}
