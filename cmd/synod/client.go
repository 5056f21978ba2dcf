package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// clients are the generated API clients for one gateway.
type clients struct {
	modules synodv1connect.ModuleServiceClient
	shards  synodv1connect.ShardServiceClient
	data    synodv1connect.DataServiceClient
}

func newClients(addr string) clients {
	hc := &http.Client{Timeout: 60 * time.Second}
	return clients{
		modules: synodv1connect.NewModuleServiceClient(hc, addr),
		shards:  synodv1connect.NewShardServiceClient(hc, addr),
		data:    synodv1connect.NewDataServiceClient(hc, addr),
	}
}

// printJSON writes a response as the API's canonical JSON.
func printJSON(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true, EmitUnpopulated: true}.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

func subcommand(args []string, group string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, fmt.Errorf("%w: %s needs a subcommand", errUsage, group)
	}
	return args[0], args[1:], nil
}

func runModule(ctx context.Context, args []string, stdout io.Writer) error {
	sub, args, err := subcommand(args, "module")
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("module "+sub, flag.ContinueOnError)
	cf := addClientFlags(fs)
	want := map[string]int{"upload": 1, "list": 0, "get": 1, "delete": 1}
	n, ok := want[sub]
	if !ok {
		return fmt.Errorf("%w: unknown module subcommand %q", errUsage, sub)
	}
	pos, err := parseArgs(fs, args, n)
	if err != nil {
		return err
	}
	c := newClients(cf.addr)
	switch sub {
	case "upload":
		m, err := uploadFile(ctx, c, pos[0])
		if err != nil {
			return err
		}
		if cf.json {
			return printJSON(stdout, m)
		}
		_, err = fmt.Fprintln(stdout, m.GetHash())
		return err
	case "list":
		res, err := c.modules.ListModules(ctx, connect.NewRequest(&synodv1.ListModulesRequest{}))
		if err != nil {
			return err
		}
		if cf.json {
			return printJSON(stdout, res.Msg)
		}
		return printModules(stdout, res.Msg.GetModules())
	case "get":
		res, err := c.modules.GetModule(ctx, connect.NewRequest(&synodv1.GetModuleRequest{Hash: pos[0]}))
		if err != nil {
			return err
		}
		if cf.json {
			return printJSON(stdout, res.Msg)
		}
		return printModules(stdout, []*synodv1.Module{res.Msg.GetModule()})
	default: // delete
		res, err := c.modules.DeleteModule(ctx, connect.NewRequest(&synodv1.DeleteModuleRequest{Hash: pos[0]}))
		if err != nil {
			return err
		}
		if cf.json {
			return printJSON(stdout, res.Msg)
		}
		_, err = fmt.Fprintf(stdout, "deleted module %s\n", pos[0])
		return err
	}
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
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", m.GetHash(), m.GetSizeBytes(), m.GetAbiVersion(),
			m.GetCreateTime().AsTime().Format(time.RFC3339), strings.Join(m.GetShards(), ","))
	}
	return tw.Flush()
}

func runShard(ctx context.Context, args []string, stdout io.Writer) error {
	sub, args, err := subcommand(args, "shard")
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("shard "+sub, flag.ContinueOnError)
	cf := addClientFlags(fs)
	module := fs.String("module", "", "module hash, or a .wasm file to upload first (create)")
	replicas := fs.Uint("replicas", 0, "replica count: 1, 3 or 5 (create; default 3, or 1 on a smaller cluster)")
	want := map[string]int{"create": 1, "list": 0, "get": 1, "delete": 1}
	n, ok := want[sub]
	if !ok {
		return fmt.Errorf("%w: unknown shard subcommand %q", errUsage, sub)
	}
	pos, err := parseArgs(fs, args, n)
	if err != nil {
		return err
	}
	c := newClients(cf.addr)
	switch sub {
	case "create":
		hash, err := moduleHash(ctx, c, *module)
		if err != nil {
			return err
		}
		res, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
			Name: pos[0], ModuleHash: hash, ReplicaCount: uint32(*replicas),
		}))
		if err != nil {
			return err
		}
		if cf.json {
			return printJSON(stdout, res.Msg)
		}
		return printShards(stdout, []*synodv1.Shard{res.Msg.GetShard()})
	case "list":
		res, err := c.shards.ListShards(ctx, connect.NewRequest(&synodv1.ListShardsRequest{}))
		if err != nil {
			return err
		}
		if cf.json {
			return printJSON(stdout, res.Msg)
		}
		return printShards(stdout, res.Msg.GetShards())
	case "get":
		res, err := c.shards.GetShard(ctx, connect.NewRequest(&synodv1.GetShardRequest{Name: pos[0]}))
		if err != nil {
			return err
		}
		if cf.json {
			return printJSON(stdout, res.Msg)
		}
		return printShards(stdout, []*synodv1.Shard{res.Msg.GetShard()})
	default: // delete
		res, err := c.shards.DeleteShard(ctx, connect.NewRequest(&synodv1.DeleteShardRequest{Name: pos[0]}))
		if err != nil {
			return err
		}
		if cf.json {
			return printJSON(stdout, res.Msg)
		}
		_, err = fmt.Fprintf(stdout, "deleted shard %s\n", pos[0])
		return err
	}
}

// moduleHash returns arg if it is a module hash, else uploads the file it
// names and returns the new module's hash.
func moduleHash(ctx context.Context, c clients, arg string) (string, error) {
	if arg == "" {
		return "", fmt.Errorf("%w: --module is required", errUsage)
	}
	if b, err := hex.DecodeString(arg); err == nil && len(b) == 32 {
		return arg, nil
	}
	m, err := uploadFile(ctx, c, arg)
	if err != nil {
		return "", err
	}
	return m.GetHash(), nil
}

func printShards(w io.Writer, shards []*synodv1.Shard) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tMODULE\tREPLICAS\tLEADER\tAPPLIED")
	for _, s := range shards {
		var reps []string
		for _, r := range s.GetReplicas() {
			name := r.GetHostName()
			if name == "" {
				name = fmt.Sprintf("host-%d", r.GetHostId())
			}
			reps = append(reps, fmt.Sprintf("%d@%s", r.GetReplicaId(), name))
		}
		leader := "-"
		if s.GetLeaderReplicaId() != 0 {
			leader = fmt.Sprint(s.GetLeaderReplicaId())
		}
		fmt.Fprintf(tw, "%s\t%d\t%.12s\t%s\t%s\t%d\n", s.GetName(), s.GetId(), s.GetModuleHash(),
			strings.Join(reps, ","), leader, s.GetAppliedIndex())
	}
	return tw.Flush()
}

// readData returns DATA, or standard input when DATA is "-".
func readData(arg string, stdin io.Reader) ([]byte, error) {
	if arg != "-" {
		return []byte(arg), nil
	}
	b, err := io.ReadAll(stdin)
	if err != nil {
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	return b, nil
}

func runPropose(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("propose", flag.ContinueOnError)
	cf := addClientFlags(fs)
	pos, err := parseArgs(fs, args, 2)
	if err != nil {
		return err
	}
	data, err := readData(pos[1], stdin)
	if err != nil {
		return err
	}
	res, err := newClients(cf.addr).data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: pos[0], Command: data}))
	if err != nil {
		return err
	}
	if cf.json {
		return printJSON(stdout, res.Msg)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", res.Msg.GetResult())
	return err
}

var consistencies = map[string]synodv1.Consistency{
	"linearizable": synodv1.Consistency_CONSISTENCY_LINEARIZABLE,
	"stale":        synodv1.Consistency_CONSISTENCY_STALE,
}

func runQuery(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	cf := addClientFlags(fs)
	level := fs.String("consistency", "linearizable", "linearizable or stale")
	pos, err := parseArgs(fs, args, 2)
	if err != nil {
		return err
	}
	c, ok := consistencies[*level]
	if !ok {
		return fmt.Errorf("%w: --consistency must be linearizable or stale, not %q", errUsage, *level)
	}
	data, err := readData(pos[1], stdin)
	if err != nil {
		return err
	}
	res, err := newClients(cf.addr).data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{Shard: pos[0], Query: data, Consistency: c}))
	if err != nil {
		return err
	}
	if cf.json {
		return printJSON(stdout, res.Msg)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", res.Msg.GetResult())
	return err
}
