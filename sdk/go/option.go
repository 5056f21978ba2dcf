package synod

import (
	"cmp"
	"net/http"
	"os"
	"time"
)

// Option configures a [Client] made by [New] or [NewClient].
type Option func(*config)

// config is what the options set; New fills in the rest from the
// environment and the defaults.
type config struct {
	addr       string
	token      *string // nil: SYNOD_TOKEN
	namespace  string
	httpClient *http.Client
	caFile     string
	timeout    time.Duration
}

// The defaults and the environment variables that override them, as the
// synod CLI reads them.
const (
	// DefaultAddress is where synod dev serves.
	DefaultAddress = "http://127.0.0.1:7070"
	// DefaultNamespace is the namespace every cluster has.
	DefaultNamespace = "default"
	// DefaultTimeout bounds a call whose context has no deadline,
	// retries included: as long as the gateway gives an upload (which
	// compiles the module on every host) when its call has no deadline.
	// Give data calls a shorter deadline of their own.
	DefaultTimeout = 2 * time.Minute

	envAddr      = "SYNOD_ADDR"
	envToken     = "SYNOD_TOKEN"
	envNamespace = "SYNOD_NAMESPACE"
	envCA        = "SYNOD_TLS_CA"
)

// WithAddress sets the gateway's URL, such as https://synod.example.com;
// default SYNOD_ADDR, else [DefaultAddress].
func WithAddress(url string) Option {
	return func(c *config) { c.addr = url }
}

// WithToken sets the API key sent with every call as "Authorization:
// Bearer <token>"; default SYNOD_TOKEN. An empty token sends none.
func WithToken(token string) Option {
	return func(c *config) { c.token = &token }
}

// WithNamespace sets the namespace of the modules and shards the client
// names; default SYNOD_NAMESPACE, else [DefaultNamespace].
func WithNamespace(namespace string) Option {
	return func(c *config) { c.namespace = namespace }
}

// WithHTTPClient sets the HTTP client that carries the calls; default one
// of the client's own. It cannot be combined with [WithCAFile], and
// SYNOD_TLS_CA does not apply to it: set the CA on its transport instead.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.httpClient = hc }
}

// WithCAFile trusts the CA certificates in a PEM file, such as the ca.crt
// of synod certs, for an https:// gateway, instead of the system's roots;
// default the file SYNOD_TLS_CA names.
func WithCAFile(path string) Option {
	return func(c *config) { c.caFile = path }
}

// WithTimeout sets the deadline of a call whose context has none, retries
// included; default [DefaultTimeout]. A context's own deadline always wins.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// resolve applies opts over the environment and the defaults.
func resolve(opts []Option) config {
	var c config
	for _, o := range opts {
		o(&c)
	}
	c.addr = cmp.Or(c.addr, os.Getenv(envAddr), DefaultAddress)
	if c.token == nil {
		tok := os.Getenv(envToken)
		c.token = &tok
	}
	c.namespace = cmp.Or(c.namespace, os.Getenv(envNamespace), DefaultNamespace)
	if c.httpClient == nil {
		c.caFile = cmp.Or(c.caFile, os.Getenv(envCA))
	}
	c.timeout = cmp.Or(c.timeout, DefaultTimeout)
	return c
}
