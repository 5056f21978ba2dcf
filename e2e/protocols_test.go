package e2e

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"

	"github.com/synodhq/synod/host"
	"github.com/synodhq/synod/internal/access"
	synodv1 "github.com/synodhq/synod/proto/synod/v1"
	"github.com/synodhq/synod/proto/synod/v1/synodv1connect"
)

// TestProtocols calls the data plane with every protocol and codec the
// gateway serves: Connect (binary and JSON, POST and GET), gRPC over
// cleartext HTTP/2, and gRPC-Web.
func TestProtocols(t *testing.T) {
	c := startCluster(t, host.Config{}, false)
	c.kvShard(t, "proto", 3)
	h1 := c.Client()
	h2c := &http.Client{Transport: access.Bearer(c.AdminToken(), &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	})}
	tests := []struct {
		name   string
		client *http.Client
		opts   []connect.ClientOption
	}{
		{name: "connect binary", client: h1},
		{name: "connect json", client: h1, opts: []connect.ClientOption{connect.WithProtoJSON()}},
		{name: "connect get", client: h1, opts: []connect.ClientOption{connect.WithHTTPGet(), connect.WithProtoJSON()}},
		{name: "grpc over h2c", client: h2c, opts: []connect.ClientOption{connect.WithGRPC()}},
		{name: "grpc-web", client: h1, opts: []connect.ClientOption{connect.WithGRPCWeb()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := synodv1connect.NewDataServiceClient(tt.client, c.URL(), tt.opts...)
			key := "k " + tt.name // a key with spaces, on purpose
			put, err := data.Propose(t.Context(), connect.NewRequest(&synodv1.ProposeRequest{
				Shard: "proto", Command: kvCmd{Op: "put", Key: key, Value: tt.name}.bytes(),
			}))
			if err != nil {
				t.Fatalf("propose: %v", err)
			}
			if put.Msg.GetIndex() == 0 {
				t.Fatal("propose returned index 0")
			}
			got, err := data.Query(t.Context(), connect.NewRequest(&synodv1.QueryRequest{
				Shard: "proto", Query: kvCmd{Op: "get", Key: key}.bytes(),
			}))
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			if r := decodeKV(t, got.Msg.GetResult()); !r.Found || r.Value != tt.name {
				t.Fatalf("get %s = %+v", key, r)
			}
			_, err = data.Query(t.Context(), connect.NewRequest(&synodv1.QueryRequest{Shard: "missing", Query: []byte("{}")}))
			if code := connectCode(t, err); code != connect.CodeNotFound {
				t.Fatalf("unknown shard: code %v, want not_found", code)
			}
		})
	}
}
