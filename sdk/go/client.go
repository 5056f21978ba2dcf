package synod

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"connectrpc.com/connect"

	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// Client calls one Synod gateway, in one namespace. It is safe for
// concurrent use by many goroutines; make one and share it.
type Client struct {
	modules   synodv1connect.ModuleServiceClient
	shards    synodv1connect.ShardServiceClient
	data      synodv1connect.DataServiceClient
	namespace string
	timeout   time.Duration
}

// New returns a client configured by opts, then by the environment (see
// the package documentation).
func New(opts ...Option) (*Client, error) {
	cfg := resolve(opts)
	u, err := url.Parse(cfg.addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("synod: address %q: want a URL such as %s", cfg.addr, DefaultAddress)
	}
	if cfg.timeout < 0 {
		return nil, fmt.Errorf("synod: timeout %v is negative", cfg.timeout)
	}
	hc := cfg.httpClient
	if hc == nil {
		if hc, err = newHTTPClient(cfg.caFile); err != nil {
			return nil, err
		}
	} else if cfg.caFile != "" {
		return nil, errors.New("synod: WithCAFile and WithHTTPClient both set: set the CA on the HTTP client's transport")
	}
	// The key goes on each request rather than into a transport, so that
	// Go's client drops it on a redirect to another host.
	opt := connect.WithInterceptors(bearer(*cfg.token))
	return &Client{
		modules:   synodv1connect.NewModuleServiceClient(hc, cfg.addr, opt),
		shards:    synodv1connect.NewShardServiceClient(hc, cfg.addr, opt),
		data:      synodv1connect.NewDataServiceClient(hc, cfg.addr, opt),
		namespace: cfg.namespace,
		timeout:   cfg.timeout,
	}, nil
}

// NewClient returns a client of the gateway at addr, configured by opts
// (a [WithAddress] among them wins), then by the environment.
func NewClient(addr string, opts ...Option) (*Client, error) {
	return New(append([]Option{WithAddress(addr)}, opts...)...)
}

// newHTTPClient returns an HTTP client that trusts the CA certificates in
// caFile, or the system's roots if it is "".
func newHTTPClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("synod: read CA file: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("synod: CA file %s holds no PEM certificate", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}

// bearer presents token ("": none) as each request's API key.
func bearer(token string) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if token != "" {
				req.Header().Set("Authorization", "Bearer "+token)
			}
			return next(ctx, req)
		}
	}
}

// Namespace returns the namespace of the modules and shards the client
// names.
func (c *Client) Namespace() string { return c.namespace }

// withDeadline gives ctx the client's timeout if it has no deadline.
func (c *Client) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.timeout)
}

// call makes a call of a generated client, with the client's deadline
// and, if repeatable (see [retry]), its retries, and returns the
// response's message or an [*Error] wrapped with what failed.
func call[Req, Res any](ctx context.Context, c *Client, what string, repeatable bool, f func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error), req *Req) (*Res, error) {
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	res, err := retry(ctx, repeatable, func(ctx context.Context) (*Res, error) {
		res, err := f(ctx, connect.NewRequest(req))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	})
	if err != nil {
		return nil, fmt.Errorf("synod: %s: %w", what, err)
	}
	return res, nil
}
