package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// clients are the generated API clients for one gateway.
type clients struct {
	flags   *clientFlags
	token   string // the API key's token; "" for none
	modules synodv1connect.ModuleServiceClient
	shards  synodv1connect.ShardServiceClient
	data    synodv1connect.DataServiceClient
	cluster synodv1connect.ClusterServiceClient
	keys    synodv1connect.KeyServiceClient
	nss     synodv1connect.NamespaceServiceClient
}

// newClients returns clients of the gateway cf names, which send token
// (default: tokenFor's) and name cf's namespace in every request.
func newClients(cf *clientFlags, token string) (clients, error) {
	if token == "" {
		var err error
		if token, err = tokenFor(cf.addr); err != nil {
			return clients{}, err
		}
	}
	base, err := newTransport(cf)
	if err != nil {
		return clients{}, err
	}
	if token != "" && cleartextOffLoopback(cf.addr) {
		fmt.Fprintf(os.Stderr, "synod: warning: sending an API key in cleartext to %s: use https://\n", cf.addr)
	}
	hc := &http.Client{Timeout: 60 * time.Second, Transport: base}
	// The key goes on each request, not in the transport, so that Go's
	// client drops it on a redirect to another host.
	opt := connect.WithInterceptors(inNamespace(cf.namespace), withToken(token))
	return clients{
		flags:   cf,
		token:   token,
		modules: synodv1connect.NewModuleServiceClient(hc, cf.addr, opt),
		shards:  synodv1connect.NewShardServiceClient(hc, cf.addr, opt),
		data:    synodv1connect.NewDataServiceClient(hc, cf.addr, opt),
		cluster: synodv1connect.NewClusterServiceClient(hc, cf.addr, opt),
		keys:    synodv1connect.NewKeyServiceClient(hc, cf.addr, opt),
		nss:     synodv1connect.NewNamespaceServiceClient(hc, cf.addr, opt),
	}, nil
}

// newTransport returns a transport of its own (its own connection pool)
// that trusts cf's CA, if it names one.
func newTransport(cf *clientFlags) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if cf.ca != "" {
		b, err := os.ReadFile(cf.ca)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("--tls-ca: %s holds no PEM certificate", cf.ca)
		}
		t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	return t, nil
}

// withToken presents token ("": none) as each request's API key.
func withToken(token string) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if token != "" {
				req.Header().Set("Authorization", "Bearer "+token)
			}
			return next(ctx, req)
		}
	}
}

// inNamespace names ns in every request that has a namespace field and
// leaves it empty.
func inNamespace(ns string) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if m, ok := req.Any().(proto.Message); ok {
				r := m.ProtoReflect()
				if f := r.Descriptor().Fields().ByName("namespace"); f != nil && r.Get(f).String() == "" {
					r.Set(f, protoreflect.ValueOfString(ns))
				}
			}
			return next(ctx, req)
		}
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

// output is what a client command prints: msg as JSON with --json, and
// else what human writes.
type output struct {
	msg   proto.Message
	human func(w io.Writer) error
}

// action runs a client command with its positional arguments.
type action func(ctx context.Context, c clients, pos []string, stdin io.Reader) (output, error)

// noFlags is the setup of a client command with no flags of its own.
func noFlags(a action) func(*flag.FlagSet) action {
	return func(*flag.FlagSet) action { return a }
}

// runClient runs a client command's action against the gateway cf names,
// and prints what it returns.
func runClient(ctx context.Context, cf *clientFlags, act action, s streams, pos []string) error {
	c, err := newClients(cf, "")
	if err != nil {
		return err
	}
	out, err := act(ctx, c, pos, s.in)
	if err != nil {
		return explainUnreachable(cf.addr, err)
	}
	if cf.json {
		return printJSON(s.out, out.msg)
	}
	return out.human(s.out)
}

// explainUnreachable turns a failure to connect to the gateway into an
// error that names the address tried and how to set it; other errors pass
// through.
func explainUnreachable(addr string, err error) error {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		return err
	}
	cause := op.Err
	var sys *os.SyscallError
	if errors.As(cause, &sys) {
		cause = sys.Err
	}
	return fmt.Errorf("cannot reach Synod at %s: %w; set --addr or SYNOD_ADDR", addr, cause)
}

func deleted(kind, name string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := fmt.Fprintf(w, "deleted %s %s\n", kind, name); return err }
}

func shardCreate(fs *flag.FlagSet) action {
	module := fs.String("module", "", "`HASH|FILE` of the module to run: its hash, a unique prefix of it, or a .wasm file to upload first (required)")
	replicas := fs.Uint("replicas", 0, "`N` replicas: 1, 3 or 5 (default 3, or 1 on a smaller cluster)")
	fuel := fs.Uint64("fuel", 0, "fuel budget of each call (default 10000000, at most 1000000000)")
	writeBytes := fs.Uint64("write-bytes", 0, "bytes of keys and values one command may write (default 16 MiB, at most 64 MiB)")
	writeKeys := fs.Uint64("write-keys", 0, "writes one command may make (default 10000, at most 100000)")
	storedBytes := fs.Uint64("stored-bytes", 0, "bytes of keys and values the shard may hold (default 256 MiB, at most 64 GiB)")
	window := fs.Duration("idempotency-window", 0, "how long the shard keeps idempotency keys (default 24h, 1s to 720h)")
	return func(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
		hash, err := moduleHash(ctx, c, *module)
		if err != nil {
			return output{}, err
		}
		res, err := c.shards.CreateShard(ctx, connect.NewRequest(&synodv1.CreateShardRequest{
			Name: pos[0], ModuleHash: hash, ReplicaCount: uint32(*replicas), FuelLimit: *fuel,
			WriteBytesLimit: *writeBytes, WriteKeysLimit: *writeKeys, StoredBytesLimit: *storedBytes,
			IdempotencyWindowSeconds: uint64(max(*window, 0) / time.Second),
		}))
		if err != nil {
			return output{}, err
		}
		return output{res.Msg, func(w io.Writer) error { return printShards(w, []*synodv1.Shard{res.Msg.GetShard()}) }}, nil
	}
}

func shardList(ctx context.Context, c clients, _ []string, _ io.Reader) (output, error) {
	res, err := c.shards.ListShards(ctx, connect.NewRequest(&synodv1.ListShardsRequest{}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error { return printShards(w, res.Msg.GetShards()) }}, nil
}

func shardGet(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	res, err := c.shards.GetShard(ctx, connect.NewRequest(&synodv1.GetShardRequest{Name: pos[0]}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error { return printShards(w, []*synodv1.Shard{res.Msg.GetShard()}) }}, nil
}

func status(ctx context.Context, c clients, _ []string, _ io.Reader) (output, error) {
	res, err := c.cluster.GetStatus(ctx, connect.NewRequest(&synodv1.GetStatusRequest{}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, func(w io.Writer) error { return printStatus(w, res.Msg) }}, nil
}

func printStatus(w io.Writer, st *synodv1.GetStatusResponse) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tID\tSTATE\tALIVE\tPROVEN\tREACHABLE\tMETA\tREPLICAS\tLEAVING\tLEADERS\tRAFT\tAPI")
	for _, h := range st.GetHosts() {
		state := h.GetState()
		if h.GetDrained() {
			state = "drained"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%v\t%v\t%v\t%s\t%d\t%d\t%d\t%s\t%s\n", h.GetName(), h.GetId(), state,
			h.GetAlive(), h.GetProven(), h.GetReachable(), cmp.Or(h.GetMetaRole(), "-"), h.GetReplicas(), h.GetLeaving(), h.GetLeaders(),
			h.GetRaftAddress(), cmp.Or(h.GetApiAddress(), "-"))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "SHARD\tID\tLEADER\tREPLICAS (id@host: applied/lag)")
	for _, s := range st.GetShards() {
		var reps []string
		for _, r := range s.GetReplicas() {
			if r.GetHaltedIndex() != 0 {
				reps = append(reps, fmt.Sprintf("%d@%d: HALTED at %d (%d times; restarts in %s)", r.GetReplicaId(), r.GetHostId(),
					r.GetHaltedIndex(), r.GetHalts(), time.Until(time.UnixMilli(r.GetRestartUnixMs())).Round(time.Second)))
				continue
			}
			if !r.GetReachable() {
				reps = append(reps, fmt.Sprintf("%d@%d: unreachable", r.GetReplicaId(), r.GetHostId()))
				continue
			}
			note := ""
			switch {
			case r.GetDivergedIndex() != 0:
				note = fmt.Sprintf(" (DIVERGED at %d)", r.GetDivergedIndex())
			case r.GetLearning():
				note = " (learning)"
			}
			reps = append(reps, fmt.Sprintf("%d@%d: %d/%d%s", r.GetReplicaId(), r.GetHostId(), r.GetAppliedIndex(), r.GetLag(), note))
		}
		name := s.GetName()
		if s.GetDegraded() {
			name += " (DEGRADED)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", name, s.GetId(), s.GetLeaderReplicaId(), strings.Join(reps, ", "))
	}
	return tw.Flush()
}

func shardDelete(ctx context.Context, c clients, pos []string, _ io.Reader) (output, error) {
	res, err := c.shards.DeleteShard(ctx, connect.NewRequest(&synodv1.DeleteShardRequest{Name: pos[0]}))
	if err != nil {
		return output{}, err
	}
	return output{res.Msg, deleted("shard", pos[0])}, nil
}

func printShards(w io.Writer, shards []*synodv1.Shard) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tMODULE\tREPLICAS\tLEADER\tAPPLIED\tFUEL")
	for _, s := range shards {
		var reps []string
		for _, r := range s.GetReplicas() {
			// The gateway names every host it knows; "?" marks one it did
			// not name, never a guess that another command would reject.
			reps = append(reps, fmt.Sprintf("%d@%s", r.GetReplicaId(), cmp.Or(r.GetHostName(), "?")))
		}
		leader := "-"
		if s.GetLeaderReplicaId() != 0 {
			leader = fmt.Sprint(s.GetLeaderReplicaId())
		}
		fmt.Fprintf(tw, "%s\t%d\t%.12s\t%s\t%s\t%d\t%d\n", s.GetName(), s.GetId(), s.GetModuleHash(),
			strings.Join(reps, ","), leader, s.GetAppliedIndex(), s.GetFuelLimit())
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

// rawResult prints a module's result bytes as they are.
func rawResult(b []byte) func(io.Writer) error {
	return func(w io.Writer) error { _, err := fmt.Fprintf(w, "%s\n", b); return err }
}

func propose(fs *flag.FlagSet) action {
	key := fs.String("idempotency-key", "", "`KEY` that makes the command run at most once: sent again with the same key, it returns the first result")
	return func(ctx context.Context, c clients, pos []string, stdin io.Reader) (output, error) {
		data, err := readData(pos[1], stdin)
		if err != nil {
			return output{}, err
		}
		res, err := c.data.Propose(ctx, connect.NewRequest(&synodv1.ProposeRequest{Shard: pos[0], Command: data, IdempotencyKey: *key}))
		if err != nil {
			return output{}, err
		}
		return output{res.Msg, rawResult(res.Msg.GetResult())}, nil
	}
}

var consistencies = map[string]synodv1.Consistency{
	"linearizable":   synodv1.Consistency_CONSISTENCY_LINEARIZABLE,
	"stale":          synodv1.Consistency_CONSISTENCY_STALE,
	"at-least-index": synodv1.Consistency_CONSISTENCY_AT_LEAST_INDEX,
}

func query(fs *flag.FlagSet) action {
	level := fs.String("consistency", "linearizable", "`LEVEL` of consistency: linearizable, stale or at-least-index (with --min-index)")
	minIndex := fs.Uint64("min-index", 0, "`INDEX` an at-least-index query reads at, at least: one a propose returned")
	return func(ctx context.Context, c clients, pos []string, stdin io.Reader) (output, error) {
		consistency, ok := consistencies[*level]
		if !ok {
			return output{}, usagef("--consistency must be linearizable, stale or at-least-index, not %q", *level)
		}
		data, err := readData(pos[1], stdin)
		if err != nil {
			return output{}, err
		}
		res, err := c.data.Query(ctx, connect.NewRequest(&synodv1.QueryRequest{Shard: pos[0], Query: data, Consistency: consistency, MinIndex: *minIndex}))
		if err != nil {
			return output{}, err
		}
		return output{res.Msg, rawResult(res.Msg.GetResult())}, nil
	}
}

// cleartextOffLoopback reports whether addr is an http:// URL of a host
// other than this machine.
func cleartextOffLoopback(addr string) bool {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	ip := net.ParseIP(h)
	return h != "localhost" && (ip == nil || !ip.IsLoopback())
}
