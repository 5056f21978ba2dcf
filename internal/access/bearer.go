package access

import "net/http"

// Bearer returns a transport that presents token as every request's API
// key ("Authorization: Bearer <token>") and sends the request on base.
func Bearer(token string, base http.RoundTripper) http.RoundTripper {
	return bearer{header: "Bearer " + token, base: base}
}

type bearer struct {
	header string
	base   http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", b.header)
	return b.base.RoundTrip(r)
}
