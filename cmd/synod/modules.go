package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
)

// The module commands. A module's hash is 64 hex digits; listings show
// its first 12 (shortHash), and every command that takes a hash takes any
// unique prefix of it too, as git takes a commit's. The CLI matches the
// prefix against the namespace's modules, so the API keeps taking whole
// hashes only.

// shortHash is how many hex digits of a module hash listings show.
const shortHash = 12

func moduleUpload(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	m, err := uploadFile(ctx, c, pos[0])
	if err != nil {
		return output{}, err
	}
	return output{m, func(w io.Writer) error { _, err := fmt.Fprintln(w, m.GetHash()); return err }}, nil
}

func moduleList(ctx context.Context, c clients, _ []string, _ io.Reader) (output, error) {
	res, err := c.modules.ListModules(ctx, connect.NewRequest(&synodv1.ListModulesRequest{}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error { return printModules(w, res.Msg.GetModules()) }}, nil
}

func moduleGet(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	hash, err := resolveHash(ctx, c, pos[0])
	if err != nil {
		return output{}, err
	}
	res, err := c.modules.GetModule(ctx, connect.NewRequest(&synodv1.GetModuleRequest{Hash: hash}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error { return printModules(w, []*synodv1.Module{res.Msg.GetModule()}) }}, nil
}

func moduleDelete(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	hash, err := resolveHash(ctx, c, pos[0])
	if err != nil {
		return output{}, err
	}
	res, err := c.modules.DeleteModule(ctx, connect.NewRequest(&synodv1.DeleteModuleRequest{Hash: hash}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, deleted("module", hash)}, nil
}

func uploadFile(ctx context.Context, c clients, path string) (*synodv1.Module, error) {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read module: %w", err)
	}
	res, err := c.modules.UploadModule(ctx, connect.NewRequest(&synodv1.UploadModuleRequest{Wasm: wasm}))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetModule(), nil
}

func printModules(w io.Writer, mods []*synodv1.Module) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HASH\tSIZE\tABI\tCREATED\tSHARDS")
	for _, m := range mods {
		fmt.Fprintf(tw, "%.*s\t%d\t%d\t%s\t%s\n", shortHash, m.GetHash(), m.GetSizeBytes(), m.GetAbiVersion(),
			m.GetCreateTime().AsTime().Format(time.RFC3339), strings.Join(m.GetShards(), ","))
	}
	return tw.Flush()
}

// moduleHash returns the hash of the module --module names: a file to
// upload if one is there, else a hash or a unique prefix of one.
func moduleHash(ctx context.Context, c clients, arg string) (string, error) {
	if arg == "" {
		return "", usagef("--module is required")
	}
	if _, err := os.Stat(arg); errors.Is(err, os.ErrNotExist) && isHex(arg) {
		return resolveHash(ctx, c, arg)
	}
	m, err := uploadFile(ctx, c, arg)
	if err != nil {
		return "", err
	}
	return m.GetHash(), nil
}

// resolveHash returns the hash of the namespace's one module whose hash
// begins with prefix; a whole hash is returned as it is.
func resolveHash(ctx context.Context, c clients, prefix string) (string, error) {
	prefix = strings.ToLower(prefix)
	if !isHex(prefix) {
		return "", usagef("%q is not a module hash: a hash, or a prefix of one, is hex digits", prefix)
	}
	if len(prefix) == 64 {
		return prefix, nil
	}
	res, err := c.modules.ListModules(ctx, connect.NewRequest(&synodv1.ListModulesRequest{}))
	if err != nil {
		return "", fmt.Errorf("find the module whose hash begins %s: %w", prefix, err)
	}
	return matchPrefix(prefix, res.Msg.GetModules(), c.flags.namespace)
}

// matchPrefix returns the hash of the one module in mods whose hash begins
// with prefix.
func matchPrefix(prefix string, mods []*synodv1.Module, namespace string) (string, error) {
	var matches []string
	for _, m := range mods {
		if strings.HasPrefix(m.GetHash(), prefix) {
			matches = append(matches, m.GetHash())
		}
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("no module's hash begins %s in namespace %s (see synod module list)", prefix, namespace)
	case 1:
		return matches[0], nil
	}
	shown := max(shortHash, len(prefix)+4)
	for i, h := range matches {
		matches[i] = h[:min(shown, len(h))]
	}
	return "", fmt.Errorf("module hash prefix %s is ambiguous: it begins %s; give more digits", prefix, strings.Join(matches, ", "))
}

// isHex reports whether s is a non-empty string of hex digits.
func isHex(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
