package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	connectcors "connectrpc.com/cors"
	"github.com/rs/cors"
)

// AnyOrigin, as the one entry of [Config.CORSOrigins], lets a web page of
// any origin call the API. Calls still need an API key: browsers never
// add one on their own, since the API reads it from the Authorization
// header, not from a cookie.
const AnyOrigin = "*"

// validateOrigins reports an entry of Config.CORSOrigins that is not an
// origin (scheme://host[:port], where host may start with a "*."
// wildcard) or AnyOrigin.
func validateOrigins(origins []string) error {
	for _, o := range origins {
		if o == AnyOrigin {
			continue
		}
		scheme, host, ok := strings.Cut(o, "://")
		if !ok || scheme == "" || host == "" || strings.ContainsAny(host, "/?# ") {
			return fmt.Errorf("gateway config: CORSOrigins: %q is not an origin such as https://app.example.com", o)
		}
	}
	if len(origins) > 1 && slices.Contains(origins, AnyOrigin) {
		return errors.New("gateway config: CORSOrigins: * allows any origin, and goes alone")
	}
	return nil
}

// withCORS answers CORS preflights and marks the responses to allowed
// origins, for the protocols Connect serves and the REST routes: their
// methods, the request headers they read (Authorization and
// Idempotency-Key among them) and the response headers a script may read
// (the Synod-* headers among them). With no origins it returns h as it is.
func withCORS(h http.Handler, origins []string) http.Handler {
	if len(origins) == 0 {
		return h
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: append(connectcors.AllowedMethods(), http.MethodPut, http.MethodDelete),
		AllowedHeaders: append(connectcors.AllowedHeaders(),
			"Authorization", idempotencyKeyHeader, "X-Server-Timeout"),
		ExposedHeaders: append(connectcors.ExposedHeaders(),
			indexHeader, fuelUsedHeader, replayedHeader),
		// Browsers cap it lower (Chromium at 2 h).
		MaxAge: 7200,
	}).Handler(h)
}
