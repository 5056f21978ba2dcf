package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/bodylimit"
	"github.com/synodhq/synod/internal/outcome"
	"github.com/synodhq/synod/internal/strictjson"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// Config configures a [Gateway].
type Config struct {
	// Hosts tells the gateway which hosts it can route to.
	Hosts Directory
	// MaxRequestBytes caps a request message, compressed or not: one over
	// it is refused with resource_exhausted without being read or
	// decompressed further. Default 20 MiB (a module of the largest
	// allowed size, plus framing).
	MaxRequestBytes int
	// DefaultTimeout bounds a call that carries no deadline; default 10 s.
	DefaultTimeout time.Duration
	// UploadTimeout bounds an UploadModule call that carries no deadline;
	// default 2 min, since an upload compiles the module.
	UploadTimeout time.Duration
	// CreateShardTimeout bounds how long CreateShard waits for the new
	// shard's first leader; default 10 s.
	CreateShardTimeout time.Duration
	// Logger receives the gateway's logs; default slog.Default().
	Logger *slog.Logger
	// Audit receives the audit log (see audit.go), at info level for
	// changes and warn for refusals; default Logger.
	Audit *slog.Logger
	// CallsPerKey, if positive, is how many calls a second the gateway
	// admits from each API key (a burst of one second's worth), whatever
	// its namespaces' quotas allow; 0 sets no limit per key.
	CallsPerKey int
	// CORSOrigins are the origins (scheme://host[:port]) whose web pages
	// may call the API from a browser, or [AnyOrigin] alone for any; a
	// host may start with a "*." wildcard. Empty: none, so browsers refuse
	// cross-origin calls (other clients are not affected).
	CORSOrigins []string
}

// Validate reports the first field that is wrong.
func (c Config) Validate() error {
	switch {
	case c.Hosts == nil:
		return errors.New("gateway config: Hosts is required")
	case c.MaxRequestBytes < 0:
		return errors.New("gateway config: MaxRequestBytes must not be negative")
	case c.DefaultTimeout < 0:
		return errors.New("gateway config: DefaultTimeout must not be negative")
	case c.CallsPerKey < 0:
		return errors.New("gateway config: CallsPerKey must not be negative")
	}
	return validateOrigins(c.CORSOrigins)
}

func (c Config) withDefaults() Config {
	if c.MaxRequestBytes == 0 {
		c.MaxRequestBytes = bodylimit.DefaultMaxBytes
	}
	if c.DefaultTimeout == 0 {
		c.DefaultTimeout = 10 * time.Second
	}
	if c.UploadTimeout == 0 {
		c.UploadTimeout = 2 * time.Minute
	}
	if c.CreateShardTimeout == 0 {
		c.CreateShardTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Audit == nil {
		c.Audit = c.Logger
	}
	return c
}

// Gateway serves the public API.
type Gateway struct {
	cfg    Config
	router *router
	// proposals, linearReads and staleReads send the calls that reach a
	// shard through a host at the same time in batches.
	proposals               *coalescer[host.Command]
	linearReads, staleReads *coalescer[[]byte]
	keys                    *keyring
	quotas                  *quotas

	// Warnings any caller can repeat, logged a few times a minute at
	// most: a scan for keys shows in the log without filling it.
	badKeys  *sampled
	keysDown *sampled
}

// New returns a gateway over the given hosts.
func New(cfg Config) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	g := &Gateway{cfg: cfg, router: newRouter(cfg.Hosts), proposals: newProposals(),
		linearReads: newQueries(host.Linearizable), staleReads: newQueries(host.Stale)}
	g.keys = &keyring{load: g.listKeys}
	g.quotas = &quotas{load: g.loadQuota, nss: make(map[string]*nsLimits), keys: make(map[string]*bucket)}
	g.badKeys = &sampled{msg: "refused a request whose API key is malformed, revoked or was never issued"}
	g.keysDown = &sampled{msg: "cannot check API keys: the catalogue cannot be read"}
	return g, nil
}

// Handler returns the HTTP handler of every public service, over Connect,
// gRPC and gRPC-Web and on REST routes (rest.go), each call authenticated
// by its API key; of GET /healthz and GET /readyz (health.go), gRPC health
// checks and reflection (reflection.go), which need none; and of CORS
// (cors.go). Serve it with HTTP/1.1 and HTTP/2 (cleartext h2 included) so
// that gRPC clients work.
func (g *Gateway) Handler() http.Handler {
	common := append(bodylimit.ConnectOptions(g.cfg.MaxRequestBytes), strictjson.HandlerOption())
	opts := append(slices.Clip(common), connect.WithInterceptors(g.authorize(), g.deadlines(), g.meter()))
	mux := http.NewServeMux()
	mux.Handle(synodv1connect.NewModuleServiceHandler(&moduleService{g}, opts...))
	mux.Handle(synodv1connect.NewShardServiceHandler(&shardService{g}, opts...))
	mux.Handle(synodv1connect.NewDataServiceHandler(&dataService{g}, opts...))
	mux.Handle(synodv1connect.NewClusterServiceHandler(&clusterService{g}, opts...))
	mux.Handle(synodv1connect.NewKeyServiceHandler(&keyService{g}, opts...))
	mux.Handle(synodv1connect.NewNamespaceServiceHandler(&namespaceService{g}, opts...))
	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", healthz)
	root.HandleFunc("GET /readyz", g.readyz)
	errs := connect.NewErrorWriter()
	root.Handle("/", g.authenticate(mux, func(w http.ResponseWriter, r *http.Request, err error) {
		_ = errs.Write(w, r, err)
	}))
	// Both fail only if the schema compiled into the binary is invalid,
	// as a regexp.MustCompile of a constant does; every test of the
	// gateway builds them.
	rest, err := g.rest(mux)
	if err != nil {
		panic(err)
	}
	root.Handle(restPrefix, rest)
	if err := handleTooling(root, common...); err != nil {
		panic(err)
	}
	return withCORS(root, g.cfg.CORSOrigins)
}

// deadlines gives every call a deadline (the client's, else the default)
// and maps its error to a Connect error in one place; a failed Propose's
// error says whether its command was applied.
func (g *Gateway) deadlines() connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if _, ok := ctx.Deadline(); !ok {
				timeout := g.cfg.DefaultTimeout
				if req.Spec().Procedure == synodv1connect.ModuleServiceUploadModuleProcedure {
					timeout = g.cfg.UploadTimeout
				}
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			res, err := next(ctx, req)
			if err == nil {
				return res, nil
			}
			ce := toConnect(g.cfg.Logger, err)
			fuel := strconv.FormatUint(outcome.FuelOf(err), 10)
			switch req.Spec().Procedure {
			case synodv1connect.DataServiceProposeProcedure, synodv1connect.DataServiceProposeRawProcedure:
				addProposeFailure(ce, err)
				ce.Meta().Set(fuelUsedHeader, fuel)
			case synodv1connect.DataServiceProposeBatchProcedure:
				addProposeFailure(ce, err)
			case synodv1connect.DataServiceQueryProcedure, synodv1connect.DataServiceQueryRawProcedure:
				ce.Meta().Set(fuelUsedHeader, fuel)
			}
			return nil, ce
		}
	}
}
